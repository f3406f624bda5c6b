#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a message for SMTP DATA (RFC 5322 headers, RFC 5321 §4.5.2 transparency).
enum SMTPMessageFormat {
    /// Headers and body with CRLF line ends, every line that starts with `.` doubled, and the final
    /// `CRLF . CRLF`.
    static func data(_ message: EmailMessage, from: String, messageID: String, date: String) -> [UInt8] {
        var text = ""
        text += "From: \(clean(from))\r\n"
        text += "To: \(message.to.map(clean).joined(separator: ", "))\r\n"
        text += "Subject: \(encodeHeader(message.subject))\r\n"
        text += "Date: \(date)\r\n"
        text += "Message-ID: <\(clean(messageID))>\r\n"
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Transfer-Encoding: 8bit\r\n\r\n"
        var out = Array(text.utf8)
        out += dotStuffed(Array(message.text.utf8))
        out += Array(".\r\n".utf8)
        return out
    }

    /// Normalises line ends to CRLF, doubles a leading `.` on every line, and ends with CRLF.
    static func dotStuffed(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + body.count / 32 + 2)
        var atLineStart = true
        var index = 0
        while index < body.count {
            let byte = body[index]
            if byte == 13 || byte == 10 {
                out += [13, 10]
                if byte == 13, index + 1 < body.count, body[index + 1] == 10 { index += 1 }
                atLineStart = true
            } else {
                if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart || out.isEmpty { out += [13, 10] }
        return out
    }

    /// A header value on one line: CR, LF and NUL become spaces (no header injection from data).
    static func clean(_ value: String) -> String {
        String(value.map { $0 == "\r" || $0 == "\n" || $0 == "\0" ? " " : $0 })
    }

    /// ASCII text as is; anything else as an RFC 2047 encoded word.
    static func encodeHeader(_ value: String) -> String {
        let cleaned = clean(value)
        if cleaned.utf8.allSatisfy({ $0 < 0x80 }) { return cleaned }
        return "=?UTF-8?B?" + Base64.encode(Array(cleaned.utf8)) + "?="
    }

    /// RFC 5322 date in UTC: `Tue, 05 May 2026 10:00:00 +0000`.
    static func date(unixSeconds: Int64) -> String {
        var seconds = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
