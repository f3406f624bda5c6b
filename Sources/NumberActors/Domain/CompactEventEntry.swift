/// An `EventHistoryEntry` in 40 bytes: kind and outcome as codes, the sequence in 48 bits, the version in 32
/// and the time as 32-bit seconds since 2020. A value that does not fit, or a name the domain does not produce
/// (only possible from a foreign snapshot), moves the entry's values into an out-of-line `Text`.
struct CompactEventEntry: Sendable, Hashable {
    /// The values that have no compact form. When present, it holds every value (the packed ones are zero).
    final class Text: Sendable, Hashable {
        let kind: String?
        let reason: String?
        let version: UInt64
        let sequence: UInt64
        let time: UnixSeconds

        init(kind: String?, reason: String?, version: UInt64, sequence: UInt64, time: UnixSeconds) {
            self.kind = kind
            self.reason = reason
            self.version = version
            self.sequence = sequence
            self.time = time
        }

        static func == (lhs: Text, rhs: Text) -> Bool {
            lhs.kind == rhs.kind && lhs.reason == rhs.reason && lhs.version == rhs.version
                && lhs.sequence == rhs.sequence && lhs.time == rhs.time
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
            hasher.combine(reason)
            hasher.combine(version)
            hasher.combine(sequence)
            hasher.combine(time)
        }
    }

    /// sequence << 16 | kind << 8 | outcome.
    private var packed: UInt64
    private var packedVersion: UInt32
    /// Seconds since `timeBase`.
    private var packedTime: UInt32
    var eventID: String
    private(set) var text: Text?

    static let customOutcome: UInt8 = 255
    static let timeBase: UnixSeconds = 1_577_836_800  // 2020-01-01T00:00:00Z
    private static let maxPackedSequence: UInt64 = 1 << 48 - 1

    /// `DomainEventPayload.kindNames` index + 1; 0 when the kind is in `text`.
    var kind: UInt8 { UInt8(truncatingIfNeeded: packed >> 8) }
    /// 0 applied; `IgnoreReason.all` index + 1; 255 when the reason is in `text`.
    var outcome: UInt8 { UInt8(truncatingIfNeeded: packed) }
    var version: UInt64 { text?.version ?? UInt64(packedVersion) }
    var sequence: UInt64 { text?.sequence ?? packed >> 16 }
    var time: UnixSeconds { text?.time ?? Self.timeBase + UnixSeconds(packedTime) }

    /// The one place that packs: codes, and the names that have none (`customKind` when `kind` is 0,
    /// `customReason` when `outcome` is `customOutcome`).
    private init(version: UInt64, sequence: UInt64, time: UnixSeconds, kind: UInt8, outcome: UInt8, eventID: String,
                 customKind: String?, customReason: String?) {
        self.eventID = eventID
        let offset = time &- Self.timeBase
        let fits = sequence <= Self.maxPackedSequence && version <= UInt64(UInt32.max)
            && time >= Self.timeBase && offset <= UnixSeconds(UInt32.max)
        if fits && customKind == nil && customReason == nil {
            packed = sequence << 16 | UInt64(kind) << 8 | UInt64(outcome)
            packedVersion = UInt32(version)
            packedTime = UInt32(offset)
            text = nil
        } else {
            packed = UInt64(kind) << 8 | UInt64(outcome)
            packedVersion = 0
            packedTime = 0
            text = Text(kind: customKind, reason: customReason, version: version, sequence: sequence, time: time)
        }
    }

    init(version: UInt64, sequence: UInt64, time: UnixSeconds, kind: UInt8, eventID: String, outcome: EventOutcome) {
        switch outcome {
        case .applied:
            self.init(version: version, sequence: sequence, time: time, kind: kind, outcome: 0, eventID: eventID,
                      customKind: nil, customReason: nil)
        case .ignored(let reason):
            let code = IgnoreReason.code(reason)
            self.init(version: version, sequence: sequence, time: time, kind: kind, outcome: code ?? Self.customOutcome,
                      eventID: eventID, customKind: nil, customReason: code == nil ? reason : nil)
        }
    }

    init(_ entry: EventHistoryEntry) {
        let kind = DomainEventPayload.kindCode(entry.kind)
        var outcome: UInt8 = 0
        var customReason: String?
        if case .ignored(let reason) = entry.outcome {
            outcome = IgnoreReason.code(reason) ?? Self.customOutcome
            if outcome == Self.customOutcome { customReason = reason }
        }
        self.init(version: entry.version, sequence: entry.sequence, time: entry.time, kind: kind ?? 0, outcome: outcome,
                  eventID: entry.eventID, customKind: kind == nil ? entry.kind : nil, customReason: customReason)
    }

    var kindName: String { kind == 0 ? text!.kind! : DomainEventPayload.kindNames[Int(kind) - 1] }

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
