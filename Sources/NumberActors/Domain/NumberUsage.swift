/// Usage of one calendar month (UTC).
public struct MonthUsage: Sendable, Hashable {
    public var calls: Int64 = 0
    public var callSeconds: Int64 = 0
    public var smsIn: Int64 = 0
    public var voicemails: Int64 = 0

    public init(calls: Int64 = 0, callSeconds: Int64 = 0, smsIn: Int64 = 0, voicemails: Int64 = 0) {
        self.calls = calls
        self.callSeconds = callSeconds
        self.smsIn = smsIn
        self.voicemails = voicemails
    }
}

/// Usage per month, with the hashes of the traffic ids already counted so a duplicate CDR, SMS or voicemail
/// counts once whatever the arrival order. Only the newest `monthsRetained` months are kept; traffic for an
/// older month is refused (`usage_month_closed`), which bounds the ledger.
public struct UsageLedger: Sendable, Hashable {
    public static let monthsRetained = 3

    public enum Traffic: UInt8, Sendable {
        case call = 1, sms = 2, voicemail = 3
    }

    enum Outcome: Equatable {
        case counted(before: MonthUsage, after: MonthUsage)
        case duplicate
        case monthClosed
    }

    /// One retained month: its usage and the sorted hashes of the traffic counted in it.
    struct Month: Sendable, Hashable {
        var month: UsageMonth
        var usage: MonthUsage
        /// FNV-1a 64 hashes of `<traffic tag><id>`, ascending, no duplicates.
        var hashes: [UInt64]
    }

    /// The retained months, ascending, in one buffer of words (a month array plus an array of hashes per month
    /// cost a number three allocations): per month a block of `header` words (year, month, hash count, the four
    /// usage counters) followed by its hashes, ascending.
    private(set) var words: [UInt64] = []

    static let header = 7

    /// Word offsets of the blocks, ascending by month (a handful at most).
    private var blockStarts: [Int] {
        var starts: [Int] = []
        var at = 0
        while at < words.count {
            starts.append(at)
            at = next(after: at)
        }
        return starts
    }

    @inline(__always) private func next(after block: Int) -> Int { block + Self.header + Int(words[block + 2]) }

    /// The latest month's block, without building the list of blocks (the transition reads it on every event).
    private var lastBlock: Int? {
        guard !words.isEmpty else { return nil }
        var at = 0
        while true {
            let following = next(after: at)
            if following >= words.count { return at }
            at = following
        }
    }

    @inline(__always) private func ordinal(at block: Int) -> Int {
        Int(Int64(bitPattern: words[block])) &* 12 &+ (Int(words[block + 1]) - 1)
    }

    private func month(at block: Int) -> UsageMonth {
        UsageMonth(year: Int(Int64(bitPattern: words[block])), month: Int(words[block + 1]))
    }

    private func usage(at block: Int) -> MonthUsage {
        MonthUsage(calls: Int64(bitPattern: words[block + 3]), callSeconds: Int64(bitPattern: words[block + 4]),
                   smsIn: Int64(bitPattern: words[block + 5]), voicemails: Int64(bitPattern: words[block + 6]))
    }

    private mutating func setUsage(_ usage: MonthUsage, at block: Int) {
        words[block + 3] = UInt64(bitPattern: usage.calls)
        words[block + 4] = UInt64(bitPattern: usage.callSeconds)
        words[block + 5] = UInt64(bitPattern: usage.smsIn)
        words[block + 6] = UInt64(bitPattern: usage.voicemails)
    }

    private static func block(_ entry: Month) -> [UInt64] {
        [UInt64(bitPattern: Int64(entry.month.year)), UInt64(entry.month.month), UInt64(entry.hashes.count),
         UInt64(bitPattern: entry.usage.calls), UInt64(bitPattern: entry.usage.callSeconds),
         UInt64(bitPattern: entry.usage.smsIn), UInt64(bitPattern: entry.usage.voicemails)] + entry.hashes
    }

    /// The months, ascending, without copying their hashes (the codec).
    func forEachMonth(_ body: (UsageMonth, MonthUsage, ArraySlice<UInt64>) -> Void) {
        var at = 0
        while at < words.count {
            let first = at + Self.header
            body(month(at: at), usage(at: at), words[first..<(first + Int(words[at + 2]))])
            at = next(after: at)
        }
    }

    var monthCount: Int {
        var count = 0
        forEachMonth { _, _, _ in count += 1 }
        return count
    }

    /// The months, ascending, as values (billing a reservation that arrives after traffic).
    var entries: [Month] {
        blockStarts.map { at in
            Month(month: month(at: at), usage: usage(at: at),
                  hashes: Array(words[(at + Self.header)..<(at + Self.header + Int(words[at + 2]))]))
        }
    }

    public var months: [UsageMonth: MonthUsage] {
        Dictionary(uniqueKeysWithValues: blockStarts.map { (month(at: $0), usage(at: $0)) })
    }

    /// FNV-1a 64 hashes of `<traffic tag><id>` counted per month.
    public var counted: [UsageMonth: Set<UInt64>] {
        var result: [UsageMonth: Set<UInt64>] = [:]
        for entry in entries where !entry.hashes.isEmpty { result[entry.month] = Set(entry.hashes) }
        return result
    }

    public init() {}

    init(months: [UsageMonth: MonthUsage], counted: [UsageMonth: Set<UInt64>]) {
        self.init(sortedEntries: months.keys.sorted().map { month in
            Month(month: month, usage: months[month]!, hashes: (counted[month] ?? []).sorted())
        })
    }

    /// Blocks as laid out above, months ascending, hashes ascending and distinct (the codec checks its input).
    init(checkedWords: [UInt64]) { words = checkedWords }

    /// Months ascending with sorted, distinct hashes (the codec checks its input before calling this).
    init(sortedEntries: [Month]) {
        words.reserveCapacity(sortedEntries.reduce(0) { $0 + Self.header + $1.hashes.count })
        for entry in sortedEntries { words += Self.block(entry) }
    }

    /// The latest month seen, which the number JSON shows as `usage`.
    public var latest: (month: UsageMonth, usage: MonthUsage)? {
        lastBlock.map { (month(at: $0), usage(at: $0)) }
    }

    /// Usage of the latest month seen.
    var latestUsage: MonthUsage? { lastBlock.map { usage(at: $0) } }

    mutating func record(_ traffic: Traffic, id: String, in month: UsageMonth,
                         update: (inout MonthUsage) -> Void) -> Outcome {
        let ordinal = month.ordinal
        if let latest = lastBlock, ordinal <= self.ordinal(at: latest) - Self.monthsRetained {
            return .monthClosed
        }
        let key = Self.hash(traffic, id)
        // The first block not before the month: the month's own, or where it goes.
        var at = 0
        while at < words.count, self.ordinal(at: at) < ordinal { at = next(after: at) }
        if at < words.count, self.ordinal(at: at) == ordinal {
            let first = at + Self.header
            let end = first + Int(words[at + 2])
            let position = Self.lowerBound(key, in: words, first..<end)
            if position < end, words[position] == key { return .duplicate }
            let before = usage(at: at)
            var after = before
            update(&after)
            setUsage(after, at: at)
            words.insert(key, at: position)
            words[at + 2] += 1
            return .counted(before: before, after: after)
        }
        var after = MonthUsage()
        update(&after)
        words.insert(contentsOf: Self.block(Month(month: month, usage: after, hashes: [key])), at: at)
        trim()
        return .counted(before: MonthUsage(), after: after)
    }

    /// Drops the months `monthsRetained` or more before the latest.
    private mutating func trim() {
        guard let latest = lastBlock.map({ ordinal(at: $0) }) else { return }
        var kept = 0
        while kept < words.count, ordinal(at: kept) <= latest - Self.monthsRetained { kept = next(after: kept) }
        if kept > 0 { words.removeFirst(kept) }
    }

    private static func lowerBound(_ key: UInt64, in sorted: [UInt64], _ range: Range<Int>) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func hash(_ traffic: Traffic, _ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        h = (h ^ UInt64(traffic.rawValue)) &* 0x100_0000_01b3
        // Over the contiguous UTF-8 when there is one (always for native strings): no per-byte view overhead.
        if let hashed = id.utf8.withContiguousStorageIfAvailable({ utf8 -> UInt64 in
            var h = h
            for byte in utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return h
        }) {
            return hashed
        }
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}
