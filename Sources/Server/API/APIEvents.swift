import NumberActors
import Snapshot

/// Domain events made by the API and by operators (channels `api` and `operator`).
///
/// Event ids: a reservation's id is derived from the request (`rsv_` + 32 hex digits of SHA-256 over the number
/// id and the canonical reservation), so the same reservation sent twice is one event (the dedupe window
/// answers the second). Other writes are distinct events each time: a prefix, the wall clock in nanoseconds
/// (20 digits, so ids of one kind sort by time) and a random suffix.
///
/// Facts that keep the newest value (forwarding, operator hold) compare (event time, event id). An API write
/// always means "from now on", so its time is moved forward past the stamp the number holds when the wall
/// clock alone would not sort after it (two changes within one second, or a reservation in the same second
/// whose id sorts later): the write the server acknowledged last is the one that holds.
enum APIEvents {
    static let apiChannel = "api"
    static let operatorChannel = "operator"

    static func reservationEventID(id: String, _ reservation: Reservation) -> String {
        let canonical = NumberReservationRequest.canonical(id: id, reservation)
        let digest = CustomerWebhookSecret.sha256(Array(canonical.utf8))
        return "rsv_" + DevelopmentSecretsFile.hex(Array(digest.prefix(16)))
    }

    static func reservation(id: String, _ reservation: Reservation, now: UnixSeconds) -> IncomingEvent {
        // The router learns the customer and the E.164 from the reservation (SMS and CDRs name only the DID).
        let keys = [RouteKey(.customer, reservation.customer), RouteKey(.e164, reservation.e164)]
        return IncomingEvent(channel: apiChannel, numberID: id, keys: keys,
                             source: EventSource(eventID: reservationEventID(id: id, reservation), time: now),
                             payload: .reserved(reservation))
    }

    static func forwardingChanged(id: String, _ forward: Forwarding, after held: EventStamp?, now: UnixSeconds) -> IncomingEvent {
        let eventID = uniqueEventID(prefix: "fwd_")
        let time = time(for: eventID, after: held, now: now)
        return IncomingEvent(channel: apiChannel, numberID: id, source: EventSource(eventID: eventID, time: time),
                             payload: .forwardingChanged(forward))
    }

    enum OperatorAction: String, Sendable, CaseIterable {
        case hold, unhold, cancel
    }

    static func operatorAction(_ action: OperatorAction, id: String, operatorName: String, after held: EventStamp?,
                               now: UnixSeconds) -> IncomingEvent {
        let eventID = uniqueEventID(prefix: "op_\(action.rawValue)_")
        let time = action == .cancel ? now : time(for: eventID, after: held, now: now)
        let payload: DomainEventPayload
        switch action {
        case .hold: payload = .operatorHold(operatorName: operatorName)
        case .unhold: payload = .operatorUnhold(operatorName: operatorName)
        case .cancel: payload = .operatorCancel(operatorName: operatorName)
        }
        return IncomingEvent(channel: operatorChannel, numberID: id, source: EventSource(eventID: eventID, time: time),
                             payload: payload)
    }

    /// `prefix` + 20-digit wall-clock nanoseconds + `_` + 8 random hex digits.
    static func uniqueEventID(prefix: String, nanos: Int64 = FileSystem.nowNanoseconds()) -> String {
        let digits = String(max(0, nanos))
        let padded = String(repeating: "0", count: max(0, 20 - digits.count)) + digits
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return prefix + padded + "_" + String(repeating: "0", count: 8 - random.count) + random
    }

    /// The earliest time ≥ `now` at which (time, eventID) sorts after `held`.
    static func time(for eventID: String, after held: EventStamp?, now: UnixSeconds) -> UnixSeconds {
        guard let held else { return now }
        if held < EventStamp(time: now, eventID: eventID) { return now }
        return held < EventStamp(time: held.time, eventID: eventID) ? held.time : held.time + 1
    }

    static func nowSeconds() -> UnixSeconds { FileSystem.nowNanoseconds() / 1_000_000_000 }

    /// `num_` + 16 random letters and digits (about 95 bits).
    static func newNumberID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        var out = Array("num_".utf8)
        for _ in 0..<16 { out.append(alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))]) }
        return String(decoding: out, as: UTF8.self)
    }
}
