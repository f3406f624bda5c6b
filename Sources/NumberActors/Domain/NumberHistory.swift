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
/// Stored compactly, as a million numbers each keep one: the four kinds are rings (no shifting once full) in a
/// single heap buffer, none until the first entry, grown a few slots at a time up to `capacity` and sized
/// exactly when decoded; event entries keep their kind and outcome as one-byte codes.
public struct NumberHistory: Sendable, Hashable {
    public static let defaultCapacity = 32
    /// Upper bound accepted from a snapshot, so a corrupt capacity cannot make a number grow without limit.
    public static let maximumCapacity = 1_000

    public let capacity: Int
    private(set) var storage: HistoryStorageReference?

    public var events: [EventHistoryEntry] { ordered(CompactEventEntry.self).map(\.entry) }
    public var calls: [CallHistoryEntry] { ordered(CallHistoryEntry.self) }
    public var sms: [SMSHistoryEntry] { ordered(SMSHistoryEntry.self) }
    public var voicemails: [VoicemailHistoryEntry] { ordered(VoicemailHistoryEntry.self) }

    public init(capacity: Int = NumberHistory.defaultCapacity) {
        precondition(capacity >= 1 && capacity <= Self.maximumCapacity, "history capacity out of range")
        self.capacity = capacity
    }

    init(capacity: Int, events: [EventHistoryEntry], calls: [CallHistoryEntry],
         sms: [SMSHistoryEntry], voicemails: [VoicemailHistoryEntry]) {
        self.init(capacity: capacity)
        reserve(CompactEventEntry.self, events.count)
        reserve(CallHistoryEntry.self, calls.count)
        reserve(SMSHistoryEntry.self, sms.count)
        reserve(VoicemailHistoryEntry.self, voicemails.count)
        for entry in events { record(entry) }
        for entry in calls { record(entry) }
        for entry in sms { record(entry) }
        for entry in voicemails { record(entry) }
    }

    /// Entries in order, without building arrays (the codec).
    var eventCount: Int { count(CompactEventEntry.self) }
    var callCount: Int { count(CallHistoryEntry.self) }
    var smsCount: Int { count(SMSHistoryEntry.self) }
    var voicemailCount: Int { count(VoicemailHistoryEntry.self) }
    func forEachEvent(_ body: (CompactEventEntry) -> Void) { storage?.box.forEach(CompactEventEntry.self, body) }
    func forEachCall(_ body: (CallHistoryEntry) -> Void) { storage?.box.forEach(CallHistoryEntry.self, body) }
    func forEachSMS(_ body: (SMSHistoryEntry) -> Void) { storage?.box.forEach(SMSHistoryEntry.self, body) }
    func forEachVoicemail(_ body: (VoicemailHistoryEntry) -> Void) {
        storage?.box.forEach(VoicemailHistoryEntry.self, body)
    }

    mutating func record(_ entry: EventHistoryEntry) { push(CompactEventEntry(entry)) }
    mutating func record(_ entry: consuming CompactEventEntry) { push(entry) }
    mutating func record(_ entry: consuming CallHistoryEntry) { push(entry) }
    mutating func record(_ entry: consuming SMSHistoryEntry) { push(entry) }
    mutating func record(_ entry: consuming VoicemailHistoryEntry) { push(entry) }

    /// Makes room for `count` entries of `T` (at most `capacity`), so that many pushes do not reallocate:
    /// decoding sizes each ring exactly this way.
    /// Leaves at least `spareWords` words free after the regions (`HistoryStorage.growInPlace`): grows in place
    /// when that much stays spare, else reallocates with that much spare.
    mutating func reserve<T: HistoryElement>(_ type: T.Type, _ count: Int, spareWords: Int = 0) {
        let wanted = UInt16(min(max(count, 0), capacity))
        var slots = storage?.box.header ?? HistoryRegions()
        let have = slots[T.historyKind].slots
        guard have < wanted else { return }
        if var current = storage {
            storage = nil
            let extra = Int(wanted - have)
            let words = extra * HistoryRegions.stride(of: T.historyKind) / 8
            let grown = isKnownUniquelyReferenced(&current.box) && current.box.spareWords - words >= spareWords
                && current.box.growInPlace(T.historyKind, by: extra)
            storage = current
            if grown { return }
        }
        slots[T.historyKind].slots = wanted
        resize(to: slots, spareWords: spareWords)
    }

    /// Makes room for `slots` in every ring at once (an empty history: decoding, which knows every count).
    mutating func reserve(_ slots: HistoryRegions, spareWords: Int) {
        guard storage == nil, slots.words > 0 else { return }
        resize(to: slots, spareWords: spareWords)
    }

    /// Spare room a decoded history keeps for what its number receives next: one event entry and the largest
    /// traffic entry (every event records one, and a call, SMS or voicemail one more), so the first event after
    /// recovery does not reallocate.
    static let decodedSpareWords = (MemoryLayout<CompactEventEntry>.stride
        + max(MemoryLayout<CallHistoryEntry>.stride, MemoryLayout<SMSHistoryEntry>.stride,
              MemoryLayout<VoicemailHistoryEntry>.stride)) / 8

    /// The event id an event entry of the same time already holds, else `id`: a call, SMS or voicemail
    /// decoded from a snapshot then shares that string instead of keeping a second copy of it, as the
    /// transition records both from one `source.eventID`. Times are compared first, so this stays cheap.
    func sharedEventID(_ id: String, time: UnixSeconds) -> String {
        storage?.box.withRegion(CompactEventEntry.self) { region, base in
            for i in 0..<Int(region.count) where base[i].time == time && base[i].eventID == id {
                return base[i].eventID
            }
            return nil
        } ?? id
    }

    /// Slots after a ring of `count` entries fills: one at a time for the first two (most numbers keep one or
    /// two calls or messages), then a quarter more (at least two), so a short ring wastes little and a long one
    /// does not reallocate on every push.
    static func grownSlots(from count: Int, capacity: Int) -> Int {
        min(capacity, count < 2 ? count + 1 : count + max(2, count / 4))
    }

    private mutating func push<T: HistoryElement>(_ entry: consuming T) {
        let kind = T.historyKind
        guard var current = storage else {
            var slots = HistoryRegions()
            slots[kind].slots = UInt16(Self.grownSlots(from: 0, capacity: capacity))
            let fresh = HistoryStorage.make(slots: slots)
            fresh.push(entry, capacity: capacity)
            storage = HistoryStorageReference(box: fresh)
            return
        }
        storage = nil  // `current` holds the only reference when nothing else shares the buffer
        let unique = isKnownUniquelyReferenced(&current.box)
        let region = current.box.header[kind]
        if region.count == region.slots && Int(region.count) < capacity && !(unique && current.box.growInPlace(kind, by: 1)) {
            var slots = current.box.header
            slots[kind].slots = UInt16(Self.grownSlots(from: Int(region.count), capacity: capacity))
            current.box = current.box.resized(to: slots, moving: unique)
        } else if !unique {
            current.box = current.box.resized(to: current.box.header, moving: false)
        }
        current.box.push(entry, capacity: capacity)
        storage = current
    }

    private mutating func resize(to slots: HistoryRegions, spareWords: Int = 0) {
        guard var current = storage else {
            storage = HistoryStorageReference(box: HistoryStorage.make(slots: slots, spareWords: spareWords))
            return
        }
        storage = nil
        let unique = isKnownUniquelyReferenced(&current.box)
        storage = HistoryStorageReference(box: current.box.resized(to: slots, moving: unique, spareWords: spareWords))
    }

    private func count<T: HistoryElement>(_ type: T.Type) -> Int {
        Int(storage?.box.header[T.historyKind].count ?? 0)
    }

    private func ordered<T: HistoryElement>(_ type: T.Type) -> [T] {
        var result: [T] = []
        result.reserveCapacity(count(T.self))
        storage?.box.forEach(T.self) { result.append($0) }
        return result
    }

    // MARK: Equal when the same entries are in the same order, however they are laid out

    public static func == (lhs: NumberHistory, rhs: NumberHistory) -> Bool {
        guard lhs.capacity == rhs.capacity else { return false }
        if lhs.storage?.box === rhs.storage?.box { return true }
        return lhs.sameEntries(as: rhs, CompactEventEntry.self) && lhs.sameEntries(as: rhs, CallHistoryEntry.self)
            && lhs.sameEntries(as: rhs, SMSHistoryEntry.self) && lhs.sameEntries(as: rhs, VoicemailHistoryEntry.self)
    }

    private func sameEntries<T: HistoryElement>(as other: NumberHistory, _ type: T.Type) -> Bool {
        let n = count(T.self)
        guard n == other.count(T.self) else { return false }
        guard let mine = storage?.box, let theirs = other.storage?.box else { return true }
        for i in 0..<n where mine.entry(T.self, at: i) != theirs.entry(T.self, at: i) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(capacity)
        hash(CompactEventEntry.self, into: &hasher)
        hash(CallHistoryEntry.self, into: &hasher)
        hash(SMSHistoryEntry.self, into: &hasher)
        hash(VoicemailHistoryEntry.self, into: &hasher)
    }

    private func hash<T: HistoryElement>(_ type: T.Type, into hasher: inout Hasher) {
        hasher.combine(count(T.self))
        storage?.box.forEach(T.self) { hasher.combine($0) }
    }
}
