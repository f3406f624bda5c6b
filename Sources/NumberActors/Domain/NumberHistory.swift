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
public struct NumberHistory: Sendable, Hashable {
    public static let defaultCapacity = 32
    /// Upper bound accepted from a snapshot, so a corrupt capacity cannot make a number grow without limit.
    public static let maximumCapacity = 1_000

    public let capacity: Int
    public private(set) var events: [EventHistoryEntry] = []
    public private(set) var calls: [CallHistoryEntry] = []
    public private(set) var sms: [SMSHistoryEntry] = []
    public private(set) var voicemails: [VoicemailHistoryEntry] = []

    public init(capacity: Int = NumberHistory.defaultCapacity) {
        precondition(capacity >= 1 && capacity <= Self.maximumCapacity, "history capacity out of range")
        self.capacity = capacity
    }

    init(capacity: Int, events: [EventHistoryEntry], calls: [CallHistoryEntry],
         sms: [SMSHistoryEntry], voicemails: [VoicemailHistoryEntry]) {
        self.init(capacity: capacity)
        self.events = Array(events.suffix(capacity))
        self.calls = Array(calls.suffix(capacity))
        self.sms = Array(sms.suffix(capacity))
        self.voicemails = Array(voicemails.suffix(capacity))
    }

    mutating func record(_ entry: EventHistoryEntry) { Self.push(entry, into: &events, capacity: capacity) }
    mutating func record(_ entry: CallHistoryEntry) { Self.push(entry, into: &calls, capacity: capacity) }
    mutating func record(_ entry: SMSHistoryEntry) { Self.push(entry, into: &sms, capacity: capacity) }
    mutating func record(_ entry: VoicemailHistoryEntry) { Self.push(entry, into: &voicemails, capacity: capacity) }

    private static func push<T>(_ entry: T, into list: inout [T], capacity: Int) {
        list.append(entry)
        if list.count > capacity { list.removeFirst(list.count - capacity) }
    }
}
