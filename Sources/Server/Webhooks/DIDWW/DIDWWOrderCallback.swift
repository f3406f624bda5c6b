import NumberActors

// A verified DIDWW order callback → the engine's `IncomingEvent` (DESIGN.md §Routing, §Persistence).
//
// DIDWW sends `id` (the order id), `type` (`orders`) and `status` (`completed` or `canceled`), as a form body
// (POST) or as query parameters (GET); the same mechanism serves exports and verifications (`type`
// `exports`, `address_verifications`, ...). The callback carries no DID details; `did_id` and `did_number` are read
// when a sender adds them (the built-in simulator, a proxy that enriches), and are otherwise left to the
// provisioning worker that looks the order up.
//
// - Number: the callback URL's own `number` query parameter (the server hands DIDWW that URL when ordering); the
//   DIDWW order key (`didww_order`) is always attached, so a callback without `number` routes by the order, and
//   `did_number` adds an E.164 key.
// - Dedupe key: `"<id>:<status>"` on channel `didww` (a completed and a canceled callback for one order are two
//   facts; a repeat of either is a duplicate).
// - `completed` → OrderCompleted (its DID id is `did_id`, or empty when the callback has none); `canceled` (and
//   the British `cancelled`) → OrderCanceled. Other statuses (`pending`, `processing`, ...) and other types change
//   nothing and are acknowledged without journaling.
// - Time: the callback has none, so the time of receipt.

/// Translates verified DIDWW callbacks. Stateless and `Sendable`.
public struct DIDWWOrderCallbackTranslator: Sendable {
    /// `IncomingEvent.channel` of DIDWW callbacks.
    public static let channel = "didww"

    public init() {}

    /// - Parameters:
    ///   - pairs: DIDWW's parameters (form body for POST, query without `number`/`token` for GET).
    ///   - numberID: the callback URL's `number` query parameter, if any.
    ///   - receivedAt: the time of receipt, used as the event time.
    public func translate(pairs: [DIDWWPair], numberID: String?, receivedAt: UnixSeconds) throws(DIDWWInputError) -> DIDWWTranslation {
        let fields = Fields(pairs)
        let id = try fields.required("id")
        let type = try fields.required("type")
        let status = try fields.required("status")
        guard type == "orders" else { return .ignored("callback type \(type)") }

        var keys = [RouteKey(.didwwOrder, id)]
        if let didNumber = fields["did_number"], !didNumber.isEmpty {
            guard let digits = E164.digits(didNumber) else {
                throw DIDWWInputError(.invalidField("did_number", expected: "an E.164 number"))
            }
            keys.append(RouteKey(.e164, digits))
        }
        let payload: DomainEventPayload
        switch status {
        case "completed":
            payload = .orderCompleted(orderID: id, didID: fields["did_id"] ?? "")
        case "canceled", "cancelled":
            payload = .orderCanceled(orderID: id)
        default:
            return .ignored("order status \(status)")
        }
        let number = numberID.flatMap { $0.isEmpty ? nil : $0 }
        let source = EventSource(eventID: id + ":" + status, objectID: id, time: receivedAt)
        return .event(IncomingEvent(channel: Self.channel, numberID: number, keys: keys.sorted(), source: source, payload: payload))
    }

    /// Form parameters by name; when a name repeats the last value wins, as in the signature.
    struct Fields {
        private var values: [String: String] = [:]

        init(_ pairs: [DIDWWPair]) {
            for pair in pairs {
                values[String(decoding: pair.key, as: UTF8.self)] = String(decoding: pair.value, as: UTF8.self)
            }
        }

        subscript(name: String) -> String? { values[name] }

        func required(_ name: String) throws(DIDWWInputError) -> String {
            guard let value = values[name], !value.isEmpty else { throw DIDWWInputError(.missingField(name)) }
            return value
        }
    }
}
