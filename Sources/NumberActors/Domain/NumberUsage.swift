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

    /// Ascending by month; a handful at most, so small sorted arrays beat dictionaries and sets.
    private(set) var entries: [Month] = []

    public var months: [UsageMonth: MonthUsage] {
        Dictionary(uniqueKeysWithValues: entries.lazy.map { ($0.month, $0.usage) })
    }

    /// FNV-1a 64 hashes of `<traffic tag><id>` counted per month.
    public var counted: [UsageMonth: Set<UInt64>] {
        var result: [UsageMonth: Set<UInt64>] = [:]
        for entry in entries where !entry.hashes.isEmpty { result[entry.month] = Set(entry.hashes) }
        return result
    }

    public init() {}

    init(months: [UsageMonth: MonthUsage], counted: [UsageMonth: Set<UInt64>]) {
        entries = months.keys.sorted().map { month in
            Month(month: month, usage: months[month]!, hashes: (counted[month] ?? []).sorted())
        }
    }

    /// Months ascending with sorted, distinct hashes (the codec checks its input before calling this).
    init(sortedEntries: [Month]) { entries = sortedEntries }

    /// The latest month seen, which the number JSON shows as `usage`.
    public var latest: (month: UsageMonth, usage: MonthUsage)? {
        entries.last.map { ($0.month, $0.usage) }
    }

    /// Usage of the latest month seen.
    var latestUsage: MonthUsage? { entries.last?.usage }

    mutating func record(_ traffic: Traffic, id: String, in month: UsageMonth,
                         update: (inout MonthUsage) -> Void) -> Outcome {
        let ordinal = month.ordinal
        if let latest = entries.last, ordinal <= latest.month.ordinal - Self.monthsRetained {
            return .monthClosed
        }
        let key = Self.hash(traffic, id)
        // The month's slot: usually the last.
        var index = entries.count
        while index > 0, entries[index - 1].month.ordinal > ordinal { index -= 1 }
        if index > 0, entries[index - 1].month.ordinal == ordinal {
            index -= 1
            let position = Self.lowerBound(key, in: entries[index].hashes)
            if position < entries[index].hashes.count, entries[index].hashes[position] == key { return .duplicate }
            let before = entries[index].usage
            update(&entries[index].usage)
            entries[index].hashes.insert(key, at: position)
            return .counted(before: before, after: entries[index].usage)
        }
        var after = MonthUsage()
        update(&after)
        entries.insert(Month(month: month, usage: after, hashes: [key]), at: index)
        trim()
        return .counted(before: MonthUsage(), after: after)
    }

    private mutating func trim() {
        guard let latest = entries.last?.month.ordinal else { return }
        entries.removeAll { $0.month.ordinal <= latest - Self.monthsRetained }
    }

    private static func lowerBound(_ key: UInt64, in sorted: [UInt64]) -> Int {
        var low = 0, high = sorted.count
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
