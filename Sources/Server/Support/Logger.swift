#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Structured logs: one JSON object per line, `{"ts":"...Z","level":"info","msg":"...",<fields>}`.
///
/// Logs go to standard error; standard output is kept for the few start-up and stop lines that tools
/// read (`{"event":"listening",...}`, `{"event":"ready"}`). Fields are built only when the level is
/// enabled, so a disabled call costs one comparison. Never pass secrets, tokens or query strings.
struct Logger: Sendable {
    enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warn, error, off

        var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warn: "warn"
            case .error: "error"
            case .off: "off"
            }
        }

        static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    typealias Fields = KeyValuePairs<String, Value>

    let level: Level
    let handler: any LogHandler

    init(level: Level = .info, handler: any LogHandler = BufferedStandardErrorLog.shared) {
        self.level = level
        self.handler = handler
    }

    /// Discards everything.
    static let disabled = Logger(level: .off, handler: MemoryLog())

    /// Waits until every line logged so far has been written (before the process exits).
    func flush() { handler.flush() }

    func isEnabled(_ candidate: Level) -> Bool { candidate >= level && candidate != .off }

    func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, Value)] = []) {
        log(.debug, message(), fields())
    }

    func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, Value)] = []) {
        log(.info, message(), fields())
    }

    func warn(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, Value)] = []) {
        log(.warn, message(), fields())
    }

    func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, Value)] = []) {
        log(.error, message(), fields())
    }

    func log(_ level: Level, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, Value)]) {
        guard isEnabled(level) else { return }
        handler.write(Self.line(level: level, message: message(), fields: fields(), time: Self.wallClock()))
    }

    /// Built as bytes (one line per request is on the serving path: no intermediate strings).
    static func line(level: Level, message: String, fields: [(String, Value)], time: timespec) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(160 + fields.count * 24)
        out += #"{"ts":""#.utf8
        appendTimestamp(time, to: &out)
        out += #"","level":""#.utf8
        out += level.name.utf8
        out += #"","msg":"#.utf8
        appendQuoted(message, to: &out)
        for (name, value) in fields {
            out.append(UInt8(ascii: ","))
            appendQuoted(name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let text): appendQuoted(text, to: &out)
            case .int(let number): out += String(number).utf8
            case .double(let number): out += (number.isFinite ? String(number) : "null").utf8
            case .bool(let flag): out += (flag ? "true" : "false").utf8
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other bytes (UTF-8) as they are.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += #"\u00"#.utf8
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `2026-12-03T15:20:00.123Z` (UTC, milliseconds) as bytes.
    static func appendTimestamp(_ time: timespec, to out: inout [UInt8]) {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(time.tv_nsec / 1_000_000), 3); out.append(UInt8(ascii: "Z"))
    }

    static func wallClock() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

}

/// Where log lines go. `write` gets one complete line without its newline and may be called from any thread.
protocol LogHandler: Sendable {
    func write(_ line: String)
    /// Returns once every line written so far is out (called before the process exits).
    func flush()
}

extension LogHandler {
    func flush() {}
}

/// One `write(2)` per line on standard error, so lines from several threads never interleave.
struct StandardErrorLog: LogHandler {
    func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Keeps lines in memory, for tests.
final class MemoryLog: LogHandler {
    private let stored = Mutex<[String]>([])

    func write(_ line: String) { stored.withLock { $0.append(line) } }

    var lines: [String] { stored.withLock { $0 } }
}
