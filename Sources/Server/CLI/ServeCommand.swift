#if canImport(Glibc)
import Glibc
#endif
import NumberActors
import Snapshot

/// `numninja serve`. This version opens the data directory the way the server will (lock, journal
/// recovery, snapshot, replay) and reports what it found; the HTTP listener is not part of it yet, so it
/// says so and exits 1 rather than pretend to serve.
enum ServeCommand {
    static let help = """
        usage: numninja serve [--data-dir DIR]

        Takes the data directory's lock and recovers it (journal, newest valid snapshot, replay), then
        prints the recovery summary as one JSON line.
        Environment: NUMNINJA_DATA_DIR (default data/state). The HTTP listener is not available in this version.
        """

    static func run(_ arguments: ArraySlice<String>) throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: ["data-dir"])
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
        let path = args.values["data-dir"] ?? environment("NUMNINJA_DATA_DIR") ?? "data/state"
        let engine = try NumberEngine.open(DataDirectory(path))
        defer { engine.close() }
        RecoverCommand.reportTruncations(engine.recovery)
        Output.standardOutput.line(RecoverCommand.summaryJSON(engine.recovery))
        Output.standardOutput.flush()
        CommandLineTool.fail("numninja serve: state recovered; the HTTP listener is not available in this version")
        return 1
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
