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

    public private(set) var months: [UsageMonth: MonthUsage] = [:]
    /// FNV-1a 64 hashes of `<traffic tag><id>` counted per month.
    public private(set) var counted: [UsageMonth: Set<UInt64>] = [:]

    public init() {}

    init(months: [UsageMonth: MonthUsage], counted: [UsageMonth: Set<UInt64>]) {
        self.months = months
        self.counted = counted
    }

    /// The latest month seen, which the number JSON shows as `usage`.
    public var latest: (month: UsageMonth, usage: MonthUsage)? {
        guard let month = months.keys.max() else { return nil }
        return (month, months[month]!)
    }

    mutating func record(_ traffic: Traffic, id: String, in month: UsageMonth,
                         update: (inout MonthUsage) -> Void) -> Outcome {
        if let latest = months.keys.max(), month.ordinal <= latest.ordinal - Self.monthsRetained {
            return .monthClosed
        }
        let key = Self.hash(traffic, id)
        if counted[month]?.contains(key) == true { return .duplicate }
        let before = months[month] ?? MonthUsage()
        var after = before
        update(&after)
        months[month] = after
        counted[month, default: []].insert(key)
        trim()
        return .counted(before: before, after: after)
    }

    private mutating func trim() {
        guard let latest = months.keys.max() else { return }
        for month in months.keys where month.ordinal <= latest.ordinal - Self.monthsRetained {
            months[month] = nil
            counted[month] = nil
        }
    }

    static func hash(_ traffic: Traffic, _ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        h = (h ^ UInt64(traffic.rawValue)) &* 0x100_0000_01b3
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}
