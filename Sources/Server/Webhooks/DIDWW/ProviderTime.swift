import NumberActors

/// Timestamps as DIDWW and voice platforms write them, to whole Unix seconds (fractions are dropped):
/// - RFC 1123, DIDWW's `{SMS_TIME}`: `Tue, 15 Nov 1994 08:12:31 GMT` (weekday optional; zone `GMT`, `UT`, `UTC`, `Z`
///   or `±HHMM`);
/// - ISO 8601 and DIDWW's CDR form: `2019-10-31 14:50:18.930234`, `2025-02-14T14:51:41.894121+00:00`, `...Z`;
///   without a zone the time is UTC (DIDWW's CDR times are UTC);
/// - Unix seconds written as digits.
/// Anything else, or an impossible date, is nil.
public enum ProviderTime {
    public static func parse(_ text: String) -> UnixSeconds? {
        let start = Cursor(Array(text.utf8))
        for form in [unixSeconds, iso8601, rfc1123] {
            var cursor = start
            cursor.skipSpaces()
            if let seconds = form(&cursor) {
                cursor.skipSpaces()
                if cursor.atEnd { return seconds }
            }
        }
        return nil
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int) -> UnixSeconds? {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month, year),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let total = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return UnixSeconds(total)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func unixSeconds(_ cursor: inout Cursor) -> UnixSeconds? {
        cursor.number(maxDigits: 12).map { UnixSeconds($0) }
    }

    /// `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[:]MM]`.
    private static func iso8601(_ cursor: inout Cursor) -> UnixSeconds? {
        guard let year = cursor.number(exactly: 4), cursor.take("-"), let month = cursor.number(exactly: 2), cursor.take("-"),
              let day = cursor.number(exactly: 2), cursor.take("T") || cursor.take("t") || cursor.take(" "),
              let hour = cursor.number(exactly: 2), cursor.take(":"), let minute = cursor.number(exactly: 2)
        else { return nil }
        var second = 0
        if cursor.take(":") {
            guard let value = cursor.number(exactly: 2) else { return nil }
            second = value
            if cursor.take(".") || cursor.take(",") {
                guard cursor.number(maxDigits: 12) != nil else { return nil }
            }
        }
        cursor.skipSpaces()
        guard let offset = zone(&cursor, allowNone: true) else { return nil }
        return seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
    }

    /// `[Www, ]DD Mon YYYY HH:MM:SS zone`.
    private static func rfc1123(_ cursor: inout Cursor) -> UnixSeconds? {
        if let letter = cursor.peek, !isDigit(letter) {
            guard cursor.word()?.count == 3, cursor.take(",") else { return nil }
            cursor.skipSpaces()
        }
        guard let day = cursor.number(maxDigits: 2) else { return nil }
        cursor.skipSpaces()
        guard let name = cursor.word(), let month = months.firstIndex(of: name.lowercased()).map({ $0 + 1 }) else { return nil }
        cursor.skipSpaces()
        guard let year = cursor.number(exactly: 4) else { return nil }
        cursor.skipSpaces()
        guard let hour = cursor.number(exactly: 2), cursor.take(":"), let minute = cursor.number(exactly: 2),
              cursor.take(":"), let second = cursor.number(exactly: 2) else { return nil }
        cursor.skipSpaces()
        guard let offset = zone(&cursor, allowNone: false) else { return nil }
        return seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The zone's offset east of UTC in seconds; nil when it cannot be read (or is absent and required).
    private static func zone(_ cursor: inout Cursor, allowNone: Bool) -> Int? {
        guard let next = cursor.peek else { return allowNone ? 0 : nil }
        if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") {
            cursor.advance()
            guard let hours = cursor.number(exactly: 2) else { return nil }
            _ = cursor.take(":")
            guard let minutes = cursor.number(exactly: 2), hours <= 23, minutes <= 59 else { return nil }
            let offset = hours * 3600 + minutes * 60
            return next == UInt8(ascii: "-") ? -offset : offset
        }
        guard let word = cursor.word()?.uppercased(), ["Z", "GMT", "UT", "UTC"].contains(word) else { return nil }
        return 0
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    struct Cursor {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func advance() { index += 1 }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard peek == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func skipSpaces() { while peek == UInt8(ascii: " ") { index += 1 } }

        /// A run of ASCII letters.
        mutating func word() -> String? {
            let start = index
            while let byte = peek, (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// 1 to `maxDigits` digits.
        mutating func number(maxDigits: Int) -> Int? {
            var value = 0
            var count = 0
            while let byte = peek, isDigit(byte) {
                count += 1
                guard count <= maxDigits else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                index += 1
            }
            return count > 0 ? value : nil
        }

        /// Exactly `count` digits.
        mutating func number(exactly count: Int) -> Int? {
            guard index + count <= bytes.count, bytes[index..<index + count].allSatisfy(isDigit) else { return nil }
            let value = bytes[index..<index + count].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            index += count
            return value
        }
    }
}
