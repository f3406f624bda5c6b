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
