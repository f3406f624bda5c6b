/// The four kinds of entry a history keeps, in the order of their regions in `HistoryStorage`.
enum HistoryKind: Int, CaseIterable, Sendable {
    case event, call, sms, voicemail
}

/// An entry type a history stores, tied to the region it lives in.
protocol HistoryElement: Hashable, Sendable {
    static var historyKind: HistoryKind { get }
}

extension CompactEventEntry: HistoryElement { static var historyKind: HistoryKind { .event } }
extension CallHistoryEntry: HistoryElement { static var historyKind: HistoryKind { .call } }
extension SMSHistoryEntry: HistoryElement { static var historyKind: HistoryKind { .sms } }
extension VoicemailHistoryEntry: HistoryElement { static var historyKind: HistoryKind { .voicemail } }

/// One kind's ring inside the buffer: `slots` allocated, the first `count` of them initialized. Until the ring
/// holds the history's capacity, `start` is 0 and the entries are in order; once full, the oldest is at `start`
/// and a push overwrites it. 16-bit fields: a capacity is at most `NumberHistory.maximumCapacity`.
struct HistoryRegion: Hashable, Sendable {
    var slots: UInt16 = 0
    var count: UInt16 = 0
    var start: UInt16 = 0
}

/// The header of `HistoryStorage`: the four regions, laid out one after the other in `HistoryKind` order.
struct HistoryRegions: Hashable, Sendable {
    var event = HistoryRegion()
    var call = HistoryRegion()
    var sms = HistoryRegion()
    var voicemail = HistoryRegion()

    subscript(kind: HistoryKind) -> HistoryRegion {
        get {
            switch kind {
            case .event: event
            case .call: call
            case .sms: sms
            case .voicemail: voicemail
            }
        }
        set {
            switch kind {
            case .event: event = newValue
            case .call: call = newValue
            case .sms: sms = newValue
            case .voicemail: voicemail = newValue
            }
        }
    }

    static func stride(of kind: HistoryKind) -> Int {
        switch kind {
        case .event: MemoryLayout<CompactEventEntry>.stride
        case .call: MemoryLayout<CallHistoryEntry>.stride
        case .sms: MemoryLayout<SMSHistoryEntry>.stride
        case .voicemail: MemoryLayout<VoicemailHistoryEntry>.stride
        }
    }

    /// Where `kind`'s region starts, in bytes from the first element word.
    @inline(__always)
    func byteOffset(of kind: HistoryKind) -> Int {
        let calls = Int(event.slots) * MemoryLayout<CompactEventEntry>.stride
        let sms = calls + Int(call.slots) * MemoryLayout<CallHistoryEntry>.stride
        switch kind {
        case .event: return 0
        case .call: return calls
        case .sms: return sms
        case .voicemail: return sms + Int(self.sms.slots) * MemoryLayout<SMSHistoryEntry>.stride
        }
    }

    /// 8-byte words for all regions (every entry type is 8-byte aligned, so its stride is a whole number of words).
    var words: Int { (byteOffset(of: .voicemail) + Int(voicemail.slots) * Self.stride(of: .voicemail)) / 8 }
}

/// The entries of all four rings in one heap allocation (four arrays cost four headers and four malloc
/// chunks per number, and their growth by half left much of each unused).
final class HistoryStorage: ManagedBuffer<HistoryRegions, UInt64> {
    /// An empty buffer with the given slots (counts and starts are reset).
    /// `spareWords` more are allocated beyond the regions, for `growInPlace`.
    static func make(slots: HistoryRegions, spareWords: Int = 0) -> HistoryStorage {
        var empty = HistoryRegions()
        for kind in HistoryKind.allCases { empty[kind].slots = slots[kind].slots }
        return unsafeDowncast(create(minimumCapacity: empty.words + spareWords) { _ in empty }, to: HistoryStorage.self)
    }

    /// Words allocated after the last region (asked for, or the allocator's rounding).
    var spareWords: Int { capacity - header.words }

    /// Adds `extra` slots to `kind`'s region out of the spare words, moving the regions after it up, instead of
    /// allocating a new buffer and freeing this one (a number recovered from a snapshot grows its history on its
    /// next event, and a million freed buffers would stay behind as holes in the heap). Only for a buffer nobody
    /// else references; the ring of `kind` must be unwrapped (it is, while it is not full). False when the
    /// spare words are too few.
    func growInPlace(_ kind: HistoryKind, by extra: Int) -> Bool {
        let bytes = extra * HistoryRegions.stride(of: kind)
        guard extra > 0, bytes / 8 <= spareWords else { return extra == 0 }
        withUnsafeMutablePointers { regions, words in
            precondition(regions.pointee[kind].start == 0, "history ring grown while wrapped")
            let next = regions.pointee.byteOffset(of: kind) + Int(regions.pointee[kind].slots) * HistoryRegions.stride(of: kind)
            let later = regions.pointee.words * 8 - next
            if later > 0 {
                // Entries are bitwise-movable (strings and references move without retain or release).
                (words + (next + bytes) / 8).moveInitialize(from: words + next / 8, count: later / 8)
            }
            regions.pointee[kind].slots += UInt16(extra)
        }
        return true
    }

    deinit {
        destroy(CompactEventEntry.self)
        destroy(CallHistoryEntry.self)
        destroy(SMSHistoryEntry.self)
        destroy(VoicemailHistoryEntry.self)
    }

    /// The region of `T` as typed memory, with the header (valid only inside `body`).
    @inline(__always)
    func withRegion<T: HistoryElement, R>(
        _ type: T.Type, _ body: (inout HistoryRegion, UnsafeMutablePointer<T>) throws -> R
    ) rethrows -> R {
        try withUnsafeMutablePointers { regions, words in
            let kind = T.historyKind
            let base = UnsafeMutableRawPointer(words).advanced(by: regions.pointee.byteOffset(of: kind))
                .bindMemory(to: T.self, capacity: Int(regions.pointee[kind].slots))
            return try body(&regions.pointee[kind], base)
        }
    }

    /// Appends into a free slot, or overwrites the oldest entry of a ring that holds `capacity` entries.
    /// The caller has made sure one of the two applies.
    @inline(__always)
    func push<T: HistoryElement>(_ element: T, capacity: Int) {
        withRegion(T.self) { region, base in
            if Int(region.count) < capacity {
                (base + Int(region.count)).initialize(to: element)
                region.count += 1
            } else {
                base[Int(region.start)] = element
                region.start = region.start + 1 == region.count ? 0 : region.start + 1
            }
        }
    }

    /// The entry `index` places after the oldest.
    func entry<T: HistoryElement>(_ type: T.Type, at index: Int) -> T {
        withRegion(T.self) { region, base in
            let count = Int(region.count)
            precondition(index >= 0 && index < count, "history index out of range")
            let physical = Int(region.start) + index
            return base[physical < count ? physical : physical - count]
        }
    }

    func forEach<T: HistoryElement>(_ type: T.Type, _ body: (T) throws -> Void) rethrows {
        try withRegion(T.self) { region, base in
            for i in Int(region.start)..<Int(region.count) { try body(base[i]) }
            for i in 0..<Int(region.start) { try body(base[i]) }
        }
    }

    /// A buffer with `slots` (each at least the current count), holding the same entries with every ring
    /// unwrapped. Moves the entries out when this buffer is not shared, copies them otherwise.
    func resized(to slots: HistoryRegions, moving: Bool, spareWords: Int = 0) -> HistoryStorage {
        let target = Self.make(slots: slots, spareWords: spareWords)
        transfer(CompactEventEntry.self, to: target, moving: moving)
        transfer(CallHistoryEntry.self, to: target, moving: moving)
        transfer(SMSHistoryEntry.self, to: target, moving: moving)
        transfer(VoicemailHistoryEntry.self, to: target, moving: moving)
        return target
    }

    private func transfer<T: HistoryElement>(_ type: T.Type, to target: HistoryStorage, moving: Bool) {
        withRegion(T.self) { source, from in
            target.withRegion(T.self) { destination, to in
                let count = Int(source.count), start = Int(source.start)
                precondition(count <= Int(destination.slots), "history region shrunk")
                if moving {
                    to.moveInitialize(from: from + start, count: count - start)
                    (to + (count - start)).moveInitialize(from: from, count: start)
                    source = HistoryRegion(slots: source.slots)
                } else {
                    to.initialize(from: from + start, count: count - start)
                    (to + (count - start)).initialize(from: from, count: start)
                }
                destination.count = UInt16(count)
            }
        }
    }

    private func destroy<T: HistoryElement>(_ type: T.Type) {
        withRegion(T.self) { region, base in
            base.deinitialize(count: Int(region.count))
            region.count = 0
        }
    }
}

/// Sendable: a buffer is never written while shared (copy-on-write), and it holds only Sendable entries.
struct HistoryStorageReference: @unchecked Sendable {
    var box: HistoryStorage
}
