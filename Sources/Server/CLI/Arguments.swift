/// A bad command line: printed as one line, exit status 2.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Parses `--flag value`, `--flag=value`, boolean `--switch` and positional arguments against a
/// declared set, so that every unknown flag or missing value is an error with a reason.
public struct Arguments {
    public private(set) var values: [String: String] = [:]
    public private(set) var switches: Set<String> = []
    public private(set) var positional: [String] = []
    public private(set) var wantsHelp = false

    public init(_ arguments: some Collection<String>, valueFlags: Set<String>, switchFlags: Set<String> = []) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
            } else if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var inline: String?
                if let equals = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                if valueFlags.contains(name) {
                    guard let value = inline ?? iterator.next() else { throw UsageError("--\(name) needs a value") }
                    values[name] = value
                } else if switchFlags.contains(name), inline == nil {
                    switches.insert(name)
                } else {
                    throw UsageError("unknown flag --\(name)")
                }
            } else if argument.hasPrefix("-") && argument.count > 1 {
                throw UsageError("unknown flag \(argument)")
            } else {
                positional.append(argument)
            }
        }
    }

    public func required(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else { throw UsageError("--\(name) is required") }
        return value
    }

    public func unsigned(_ name: String) throws -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else { throw UsageError("--\(name) must be a non-negative integer, got '\(text)'") }
        return value
    }
}
