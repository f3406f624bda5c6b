/// Time in the domain is whole seconds since the Unix epoch (UTC), always taken from an event:
/// the transition function reads no clock.
public typealias UnixSeconds = Int64

/// Orders facts that may arrive in any order: newer `time` wins, ties broken by the larger event id,
/// so every arrival order picks the same winner.
public struct EventStamp: Sendable, Hashable, Comparable {
    public var time: UnixSeconds
    public var eventID: String

    public init(time: UnixSeconds, eventID: String) {
        self.time = time
        self.eventID = eventID
    }

    public static func < (lhs: EventStamp, rhs: EventStamp) -> Bool {
        if lhs.time != rhs.time { return lhs.time < rhs.time }
        return lhs.eventID.utf8.lexicographicallyPrecedes(rhs.eventID.utf8)
    }
}

/// A calendar month in UTC, the unit in which usage is counted and limited.
public struct UsageMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    /// 1...12
    public var month: Int

    public init(year: Int, month: Int) {
        precondition((1...12).contains(month), "month out of range")
        self.year = year
        self.month = month
    }

    /// The UTC calendar month containing `seconds`.
    public init(containing seconds: UnixSeconds) {
        let civil = CivilDate(unixSeconds: seconds)
        self.init(year: civil.year, month: civil.month)
    }

    /// Months since year 0, so consecutive months differ by one.
    public var ordinal: Int { year * 12 + (month - 1) }

    public init(ordinal: Int) {
        let year = ordinal >= 0 ? ordinal / 12 : (ordinal - 11) / 12
        self.init(year: year, month: ordinal - year * 12 + 1)
    }

    /// `YYYY-MM`, as in the number JSON's `usage.month`.
    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        var y = String(abs(year))
        while y.count < 4 { y = "0" + y }
        return (year < 0 ? "-" : "") + y + "-" + m
    }

    public static func < (lhs: UsageMonth, rhs: UsageMonth) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// Proleptic Gregorian calendar date and time of day in UTC (Howard Hinnant's `civil_from_days`).
public struct CivilDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var secondOfDay: Int

    /// Timestamps are clamped to ±10^15 s (about ±31 million years) so that no input can overflow.
    public static let secondsBound: Int64 = 1_000_000_000_000_000

    public init(unixSeconds: UnixSeconds) {
        let seconds = Int(Swift.min(Swift.max(unixSeconds, -Self.secondsBound), Self.secondsBound))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as in the number JSON's `updated_at`.
    public static func iso8601(_ unixSeconds: UnixSeconds) -> String {
        let c = CivilDate(unixSeconds: unixSeconds)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let hms = two(c.secondOfDay / 3600) + ":" + two(c.secondOfDay / 60 % 60) + ":" + two(c.secondOfDay % 60)
        return UsageMonth(year: c.year, month: c.month).description + "-" + two(c.day) + "T" + hms + "Z"
    }
}
