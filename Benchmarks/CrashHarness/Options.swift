import Foundation

/// Command-line options; `--short` (default) is what `make test` runs, `--long` what `make crash-test` runs.
struct HarnessOptions {
    var long = false
    var seed: UInt64 = UInt64.random(in: 1...999_999_999)
    var cycles: Int?
    var numbers: Int?
    var threads: Int?
    var binary: String?
    var directory: String?
    var recoveryNumbers: Int?
    var recoveryTail = 200_000
    var skipDisk = false
    var keep = false

    static let usage = """
        usage: crash-harness [--short | --long] [--seed N] [--cycles N] [--numbers N] [--threads N]
                             [--binary PATH] [--dir PATH] [--recovery-numbers N] [--recovery-tail N] [--no-disk] [--keep]
        --recovery-numbers: numbers in the recovery-time data directory (long form: 1000000; 0 skips)
        """

    static func parse(_ arguments: [String]) -> HarnessOptions {
        var options = HarnessOptions()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        func number(_ text: String) -> Int {
            guard let value = Int(text), value >= 0 else { fail("not a count: \(text)") }
            return value
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--short": options.long = false
            case "--long": options.long = true
            case "--seed": options.seed = UInt64(value()) ?? { fail("--seed needs a whole number") }()
            case "--cycles": options.cycles = number(value())
            case "--numbers": options.numbers = number(value())
            case "--threads": options.threads = number(value())
            case "--binary": options.binary = value()
            case "--dir": options.directory = value()
            case "--recovery-numbers": options.recoveryNumbers = number(value())
            case "--recovery-tail": options.recoveryTail = number(value())
            case "--no-disk": options.skipDisk = true
            case "--keep": options.keep = true
            case "--help", "-h":
                say(usage)
                exit(0)
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        return options
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("crash-harness: \(message)\n\(usage)\n".utf8))
        exit(2)
    }

    /// `numninja` next to this executable unless given.
    var numninja: String {
        binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("numninja").path
    }
}
