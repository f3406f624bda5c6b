#if canImport(Glibc)
import Glibc
#endif
import Snapshot

/// `numninja serve`. This version opens the data directory the way the server will (lock, journal
/// recovery, snapshot check) and reports what it found; the HTTP listener is not part of it yet, so it
/// says so and exits 1 rather than pretend to serve.
enum ServeCommand {
    static let help = """
        usage: numninja serve [--data-dir DIR]

        Takes the data directory's lock, recovers the journal (a torn tail is truncated and kept in
        journal/quarantine/), checks the newest snapshot, and prints a JSON summary.
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
        let data = DataDirectory(path)
        let lock = try data.lock()
        defer { lock.release() }
        let started = FileSystem.nowNanoseconds()
        let journal = try Journal(directory: data.journalPath)
        defer { journal.close() }
        let store = SnapshotStore(directory: data.snapshotsPath)
        try store.removeTemporaries()
        let snapshots = try store.list()
        var json = JSONObject()
        json.set("data_dir", path)
        json.set("journal_last_sequence", journal.lastSequence)
        json.set("journal_segments", journal.segments.count)
        json.set("truncated_tails", journal.recoveryReport.truncations.count)
        json.set("snapshots", snapshots.count)
        json.set("newest_snapshot_sequence", snapshots.last?.sequence)
        json.set("millis", Double(FileSystem.nowNanoseconds() - started) / 1e6)
        for cut in journal.recoveryReport.truncations {
            Output.standardError.line("journal: torn tail cut from \(cut.file) at byte offset \(cut.offset) (\(cut.bytes) bytes, \(cut.reason)); kept in \(cut.quarantinePath)")
        }
        Output.standardError.flush()
        Output.standardOutput.line(json.string)
        Output.standardOutput.flush()
        CommandLineTool.fail("numninja serve: storage recovered; the HTTP listener is not available in this version")
        return 1
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
