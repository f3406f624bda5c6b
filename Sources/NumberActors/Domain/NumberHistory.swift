/// What became of an event.
public enum EventOutcome: Sendable, Hashable {
    case applied
    /// A domain rejection or a no-op (stale, duplicate, ...): acknowledged, journaled, counted in `version`.
    case ignored(reason: String)

    public var ignoredReason: String? {
        if case .ignored(let reason) = self { return reason }
        return nil
    }
}

public struct EventHistoryEntry: Sendable, Hashable {
    public var version: UInt64
    public var sequence: UInt64
    public var time: UnixSeconds
    public var kind: String
    public var eventID: String
    public var outcome: EventOutcome

    public init(version: UInt64, sequence: UInt64, time: UnixSeconds, kind: String, eventID: String, outcome: EventOutcome) {
        self.version = version
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.eventID = eventID
        self.outcome = outcome
    }
}

public struct CallHistoryEntry: Sendable, Hashable {
    public var cdrID: String
    public var time: UnixSeconds
    public var durationSeconds: Int64
    public var success: Bool
    public var from: String?

    public init(cdrID: String, time: UnixSeconds, durationSeconds: Int64, success: Bool, from: String?) {
        self.cdrID = cdrID
        self.time = time
        self.durationSeconds = durationSeconds
        self.success = success
        self.from = from
    }
}

public struct SMSHistoryEntry: Sendable, Hashable {
    public var uuid: String
    public var time: UnixSeconds
    public var from: String
    public var to: String
    public var text: String

    public init(uuid: String, time: UnixSeconds, from: String, to: String, text: String) {
        self.uuid = uuid
        self.time = time
        self.from = from
        self.to = to
        self.text = text
    }
}

public struct VoicemailHistoryEntry: Sendable, Hashable {
    public var voicemailID: String
    public var time: UnixSeconds
    public var from: String
    public var seconds: Int64
    public var recordingURL: String

    public init(voicemailID: String, time: UnixSeconds, from: String, seconds: Int64, recordingURL: String) {
        self.voicemailID = voicemailID
        self.time = time
        self.from = from
        self.seconds = seconds
        self.recordingURL = recordingURL
    }
}

/// The recent history behind `GET /api/numbers/{id}/history`: the newest `capacity` entries of each kind,
/// stored oldest first (the API reverses).
///
/// Stored compactly: each kind is a ring (no shifting once full, storage grown by half up to `capacity`), and
/// event entries keep their kind and outcome as one-byte codes.
public struct NumberHistory: Sendable, Hashable {
    public static let defaultCapacity = 32
    /// Upper bound accepted from a snapshot, so a corrupt capacity cannot make a number grow without limit.
    public static let maximumCapacity = 1_000

    public let capacity: Int
    private var eventRing = HistoryRing<CompactEventEntry>()
    private var callRing = HistoryRing<CallHistoryEntry>()
    private var smsRing = HistoryRing<SMSHistoryEntry>()
    private var voicemailRing = HistoryRing<VoicemailHistoryEntry>()

    public var events: [EventHistoryEntry] { eventRing.ordered.map(\.entry) }
    public var calls: [CallHistoryEntry] { callRing.ordered }
    public var sms: [SMSHistoryEntry] { smsRing.ordered }
    public var voicemails: [VoicemailHistoryEntry] { voicemailRing.ordered }

    public init(capacity: Int = NumberHistory.defaultCapacity) {
        precondition(capacity >= 1 && capacity <= Self.maximumCapacity, "history capacity out of range")
        self.capacity = capacity
    }

    init(capacity: Int, events: [EventHistoryEntry], calls: [CallHistoryEntry],
         sms: [SMSHistoryEntry], voicemails: [VoicemailHistoryEntry]) {
        self.init(capacity: capacity)
        eventRing = HistoryRing(events.suffix(capacity).map(CompactEventEntry.init))
        callRing = HistoryRing(Array(calls.suffix(capacity)))
        smsRing = HistoryRing(Array(sms.suffix(capacity)))
        voicemailRing = HistoryRing(Array(voicemails.suffix(capacity)))
    }

    /// Entries in order, without building arrays (the codec).
    var eventCount: Int { eventRing.count }
    func forEachEvent(_ body: (CompactEventEntry) -> Void) { eventRing.forEach(body) }
    func forEachCall(_ body: (CallHistoryEntry) -> Void) { callRing.forEach(body) }
    func forEachSMS(_ body: (SMSHistoryEntry) -> Void) { smsRing.forEach(body) }
    func forEachVoicemail(_ body: (VoicemailHistoryEntry) -> Void) { voicemailRing.forEach(body) }
    var callCount: Int { callRing.count }
    var smsCount: Int { smsRing.count }
    var voicemailCount: Int { voicemailRing.count }

    mutating func record(_ entry: EventHistoryEntry) { eventRing.push(CompactEventEntry(entry), capacity: capacity) }
    mutating func record(_ entry: consuming CompactEventEntry) { eventRing.push(entry, capacity: capacity) }
    mutating func record(_ entry: consuming CallHistoryEntry) { callRing.push(entry, capacity: capacity) }
    mutating func record(_ entry: consuming SMSHistoryEntry) { smsRing.push(entry, capacity: capacity) }
    mutating func record(_ entry: consuming VoicemailHistoryEntry) { voicemailRing.push(entry, capacity: capacity) }
}

/// The newest entries up to a capacity. Until full, `storage` is in order; once full, the oldest entry is at
/// `start` and a push overwrites it.
struct HistoryRing<Element: Hashable & Sendable>: Sendable, Hashable {
    private var storage: [Element] = []
    private var start = 0

    init() {}

    init(_ elements: [Element]) { storage = elements }

    var count: Int { storage.count }

    mutating func push(_ element: consuming Element, capacity: Int) {
        if storage.count < capacity {
            if storage.count == storage.capacity {
                // Grow by half (not double): short histories stay small.
                storage.reserveCapacity(min(capacity, max(2, storage.count + storage.count / 2)))
            }
            storage.append(element)
        } else {
            storage[start] = element
            start += 1
            if start == storage.count { start = 0 }
        }
    }

    var ordered: [Element] {
        start == 0 ? storage : Array(storage[start...]) + storage[..<start]
    }

    func forEach(_ body: (Element) -> Void) {
        for i in start..<storage.count { body(storage[i]) }
        for i in 0..<start { body(storage[i]) }
    }

    static func == (lhs: HistoryRing, rhs: HistoryRing) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.start == rhs.start { return lhs.storage == rhs.storage }
        return lhs.ordered == rhs.ordered
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        forEach { hasher.combine($0) }
    }
}

/// An `EventHistoryEntry` with its kind and outcome as codes. Names the domain does not produce (only possible
/// from a foreign snapshot) are kept as text.
struct CompactEventEntry: Sendable, Hashable {
    final class Text: Sendable, Hashable {
        let kind: String
        let reason: String?
        init(kind: String, reason: String?) {
            self.kind = kind
            self.reason = reason
        }
        static func == (lhs: Text, rhs: Text) -> Bool { lhs.kind == rhs.kind && lhs.reason == rhs.reason }
        func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
            hasher.combine(reason)
        }
    }

    var version: UInt64
    var sequence: UInt64
    var time: UnixSeconds
    var eventID: String
    /// Set only when the kind or the reason has no code.
    var text: Text?
    /// `DomainEventPayload.kindNames` index + 1; 0 when the kind is in `text`.
    var kind: UInt8
    /// 0 applied; `IgnoreReason.all` index + 1; 255 when the reason is in `text`.
    var outcome: UInt8

    static let customOutcome: UInt8 = 255

    init(version: UInt64, sequence: UInt64, time: UnixSeconds, kind: UInt8, eventID: String, outcome: EventOutcome) {
        self.version = version
        self.sequence = sequence
        self.time = time
        self.eventID = eventID
        self.kind = kind
        switch outcome {
        case .applied: self.outcome = 0
        case .ignored(let reason):
            if let code = IgnoreReason.code(reason) {
                self.outcome = code
            } else {
                self.outcome = Self.customOutcome
                text = Text(kind: DomainEventPayload.kindNames[Int(kind) - 1], reason: reason)
            }
        }
    }

    init(_ entry: EventHistoryEntry) {
        if let code = DomainEventPayload.kindCode(entry.kind) {
            self.init(version: entry.version, sequence: entry.sequence, time: entry.time, kind: code,
                      eventID: entry.eventID, outcome: entry.outcome)
            return
        }
        self.init(version: entry.version, sequence: entry.sequence, time: entry.time, kind: 1,
                  eventID: entry.eventID, outcome: .applied)
        kind = 0
        switch entry.outcome {
        case .applied:
            text = Text(kind: entry.kind, reason: nil)
        case .ignored(let reason):
            outcome = IgnoreReason.code(reason) ?? Self.customOutcome
            text = Text(kind: entry.kind, reason: outcome == Self.customOutcome ? reason : nil)
        }
    }

    var kindName: String { kind == 0 ? text!.kind : DomainEventPayload.kindNames[Int(kind) - 1] }

    var eventOutcome: EventOutcome {
        switch outcome {
        case 0: .applied
        case Self.customOutcome: .ignored(reason: text!.reason!)
        default: .ignored(reason: IgnoreReason.all[Int(outcome) - 1])
        }
    }

    var entry: EventHistoryEntry {
        EventHistoryEntry(version: version, sequence: sequence, time: time, kind: kindName, eventID: eventID,
                          outcome: eventOutcome)
    }
}
