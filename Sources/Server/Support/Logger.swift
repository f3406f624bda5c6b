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

    init(level: Level = .info, handler: any LogHandler = StandardErrorLog()) {
        self.level = level
        self.handler = handler
    }

    /// Discards everything.
    static let disabled = Logger(level: .off, handler: MemoryLog())

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

    static func line(level: Level, message: String, fields: [(String, Value)], time: timespec) -> String {
        var line = "{\"ts\":\"" + Self.iso8601(time) + "\",\"level\":\"" + level.name + "\",\"msg\":" + JSONText.quote(message)
        for (name, value) in fields {
            line += "," + JSONText.quote(name) + ":"
            switch value {
            case .string(let text): line += JSONText.quote(text)
            case .int(let number): line += String(number)
            case .double(let number): line += number.isFinite ? String(number) : "null"
            case .bool(let flag): line += flag ? "true" : "false"
            }
        }
        return line + "}"
    }

    static func wallClock() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    /// `2026-12-03T15:20:00.123Z` (UTC, milliseconds).
    static func iso8601(_ time: timespec) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(time.tv_nsec / 1_000_000), 3))Z"
    }
}

/// Where log lines go. `write` gets one complete line without its newline and may be called from any thread.
protocol LogHandler: Sendable {
    func write(_ line: String)
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
