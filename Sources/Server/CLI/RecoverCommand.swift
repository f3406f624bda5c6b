import NumberActors
import Snapshot

/// `numninja recover --data-dir D`: recovery as the server does it, summarized in one JSON line; never serves.
enum RecoverCommand {
    static let help = """
        usage: numninja recover --data-dir DIR

        Takes the data directory's lock, recovers the journal (a torn tail is truncated and kept in
        journal/quarantine/), loads the newest valid snapshot, replays the journal tail, and prints one
        JSON line: numbers per state, last sequence, records replayed, milliseconds. Exits 1 on
        corruption (naming the file and offset) or when another process holds the directory.
        """

    static func run(_ arguments: ArraySlice<String>) throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: ["data-dir"])
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
        let data = DataDirectory(try args.required("data-dir"))
        var options = EngineOptions()
        options.snapshotEvery = 0
        let engine = try NumberEngine.open(data, options: options)
        defer { engine.close() }
        reportTruncations(engine.recovery)
        Output.standardOutput.line(summaryJSON(engine.recovery))
        Output.standardOutput.flush()
        return 0
    }

    static func summaryJSON(_ summary: RecoverySummary) -> String {
        var states = JSONObject()
        for state in LifecycleState.allCases { states.set(state.rawValue, summary.numbersByState[state.rawValue] ?? 0) }
        var json = JSONObject()
        json.set("numbers", summary.numbers)
        json.setRaw("numbers_by_state", states.string)
        json.set("last_sequence", summary.lastSequence)
        json.set("snapshot_sequence", summary.snapshotSequence)
        json.set("records_replayed", summary.recordsReplayed)
        json.set("parked", summary.parked)
        json.set("rejected_snapshots", summary.rejectedSnapshots.count)
        json.set("truncated_tails", summary.journal.truncations.count)
        json.set("millis", (summary.millis * 1000).rounded() / 1000)
        return json.string
    }

    static func reportTruncations(_ summary: RecoverySummary) {
        for cut in summary.journal.truncations {
            Output.standardError.line("journal: torn tail cut from \(cut.file) at byte offset \(cut.offset) (\(cut.bytes) bytes, \(cut.reason)); kept in \(cut.quarantinePath)")
        }
        for rejected in summary.rejectedSnapshots {
            Output.standardError.line("snapshot rejected, fell back to an older one: \(rejected)")
        }
        Output.standardError.flush()
    }
}
