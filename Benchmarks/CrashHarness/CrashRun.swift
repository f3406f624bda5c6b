#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Settings of one crash run.
struct RunSettings {
    var binary: String
    var runDirectory: String
    var dataDirectory: String
    var seed: UInt64
    var cycles: Int
    var numbers: Int
    var prefix = "c"
    var threads: Int
    var acksPerCycle: ClosedRange<Int>
    var segmentBytes: Int
    var snapshotEvery: Int
    var phaseSeconds: Double = 60

    var environment: [String: String] {
        Credentials.environment.merging(["NUMNINJA_FSYNC": "always", "NUMNINJA_JOURNAL_SEGMENT_BYTES": String(segmentBytes),
                                         "NUMNINJA_SNAPSHOT_EVERY": String(snapshotEvery), "NUMNINJA_ENV": "development"]) { $1 }
    }
}

/// The kill/restart loop: load, SIGKILL at a random moment (sometimes right after asking for a snapshot),
/// `journal verify` while the server is down, restart, time the recovery, check everything against the model,
/// and go on; at the end, retry what is in doubt, check once more with nothing in doubt, stop cleanly.
final class CrashRun {
    let settings: RunSettings
    let ledger: Ledger
    let ackLog: AckLog
    var random: SeededRandom
    var figures = RunFigures()
    private var starts = 0

    init?(_ settings: RunSettings) {
        self.settings = settings
        try? FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        guard let log = AckLog(path: settings.runDirectory + "/acknowledged-\(settings.prefix).log") else { return nil }
        ackLog = log
        ledger = Ledger(count: settings.numbers, prefix: settings.prefix, seed: settings.seed)
        random = SeededRandom.derived(settings.seed, 0xC0FFEE)
    }

    /// Starts the server and waits for `/readyz`; nil (with the reason noted) if it does not get ready.
    func startServer() -> (ServeProcess, Double)? {
        starts += 1
        let log = settings.runDirectory + "/serve-\(settings.prefix)-\(starts).stderr"
        guard let server = try? ServeProcess(binary: settings.binary, dataDirectory: settings.dataDirectory,
                                             environment: settings.environment, stderrPath: log) else {
            figures.problems.append("cannot spawn \(settings.binary)")
            return nil
        }
        guard server.waitListening(), let millis = server.waitReady() else {
            if server.process.isRunning { server.kill() }
            figures.problems.append("start \(starts) did not get ready: \(server.standardOutput.suffix(400)) \(server.standardError.suffix(800))")
            return nil
        }
        return (server, millis)
    }

    func run() -> RunFigures {
        guard let first = startServer() else { return finish() }
        var server = first.0
        for cycle in 1...settings.cycles {
            loadThenKill(server)
            verifyJournal("after kill \(cycle)", allowTornTail: true)
            guard let (next, millis) = startServer() else { return finish() }
            server = next
            figures.cycles = cycle
            figures.recoveryMillis.append(millis)
            noteRecoverySummary(server)
            check(server, "after kill \(cycle)")
            if cycle % 25 == 0 {
                say("  cycle \(cycle): acknowledged \(ledger.acknowledged), lost \(figures.check.lost), twice \(figures.check.twice), "
                      + "mismatches \(figures.check.mismatches), last recovery \(RunFigures.millis(millis)) ms")
            }
            if !figures.clean && figures.check.failures.count >= 5 { server.kill(); return finish() }
        }
        settle(server)
        check(server, "final, nothing in doubt")
        let history = HistoryCheck.check(port: server.port, ledger: ledger, sample: 400, context: "final history", random: &random)
        figures.historyChecked = history.numbersChecked
        figures.check.merge(history, keepStates: true)
        if ledger.inDoubtCount > 0 { figures.problems.append("\(ledger.inDoubtCount) deliveries still in doubt at the end") }
        let status = server.stop()
        if status != 0 { figures.problems.append("serve exited \(status) on SIGTERM") }
        verifyJournal("after the final stop", allowTornTail: false)
        return finish()
    }

    /// The `records_replayed` and `millis` of the start-up summary line.
    func noteRecoverySummary(_ server: ServeProcess) {
        guard let line = server.waitForLine(containing: "\"records_replayed\"", seconds: 5),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return }
        if let replayed = object["records_replayed"] as? Int { figures.recordsReplayed.append(replayed) }
        if let millis = (object["millis"] as? NSNumber)?.doubleValue { figures.serverRecoveryMillis.append(millis) }
    }

    func finish() -> RunFigures {
        figures.absorb(ledger)
        figures.segmentsAtEnd = DataFiles.segments(settings.dataDirectory).count
        return figures
    }

    /// Starts delivering on `threads` connections (retries of what is in doubt first).
    func startLoad(_ server: ServeProcess) -> LoadPhase {
        ledger.requeue(random: &random)
        let phase = LoadPhase(ledger: ledger, port: server.port, publicURL: server.publicURL, ackLog: ackLog,
                              threads: settings.threads, seconds: settings.phaseSeconds)
        phase.start()
        return phase
    }

    /// Polls until `condition`, the load runs dry, the server ends, or the deadline.
    func wait(_ server: ServeProcess, seconds: Double, until condition: () -> Bool) {
        let deadline = monotonicNanos() + Int64(seconds * 1e9)
        while !condition() && !ledger.isIdle && server.process.isRunning && monotonicNanos() < deadline { usleep(500) }
    }

    /// SIGKILL, then the load threads end (their requests in flight stay in doubt).
    func kill(_ server: ServeProcess, _ phase: LoadPhase?) {
        if !server.process.isRunning { figures.problems.append("serve exited on its own with status \(server.process.terminationStatus)") }
        server.kill()
        phase?.stop()
        if phase?.join() == false { figures.problems.append("a load thread did not finish") }
    }

    /// Delivers until a random number of further acknowledgements, then SIGKILL.
    func loadThenKill(_ server: ServeProcess) {
        let target = ledger.acknowledged + random.int(settings.acksPerCycle)
        let snapshotFirst = random.chance(0.3)
        let phase = startLoad(server)
        wait(server, seconds: settings.phaseSeconds) { ledger.acknowledged >= target }
        var snapshotConnection: HTTPClientConnection?
        if snapshotFirst {
            figures.snapshotKills += 1
            snapshotConnection = try? HTTPClientConnection(port: server.port)
            try? snapshotConnection?.write(HTTPClientConnection.request("POST", "/admin/snapshot", headers: [Credentials.bearer]))
            if DataFiles.waitForSnapshotTemporary(settings.dataDirectory, seconds: 0.3) { figures.killsDuringSnapshotWrite += 1 }
        }
        kill(server, phase)
        if let last = DataFiles.segments(settings.dataDirectory).last, DataFiles.size(last) < 4_096 { figures.killsInFreshSegment += 1 }
        _ = snapshotConnection
    }

    /// Retries every delivery in doubt until acknowledged (bounded), as a provider would.
    func settle(_ server: ServeProcess) {
        for _ in 0..<5 where ledger.inDoubtCount > 0 {
            ledger.requeue(random: &random, onlyInDoubt: true)
            let phase = LoadPhase(ledger: ledger, port: server.port, publicURL: server.publicURL, ackLog: ackLog,
                                  threads: settings.threads, seconds: 60)
            phase.start()
            _ = phase.join(seconds: 90)
        }
    }

    func check(_ server: ServeProcess, _ context: String) {
        figures.check.merge(Checker.check(port: server.port, ledger: ledger, context: context, random: &random))
    }

    /// `numninja journal verify` on the directory while no server runs: intact, or at most a torn tail
    /// (a record cut by the kill, never acknowledged, which the next start cuts off).
    func verifyJournal(_ context: String, allowTornTail: Bool) {
        let result = runCommand(settings.binary, ["journal", "verify", "--data-dir", settings.dataDirectory])
        if result.status == 0 { return }
        if allowTornTail && result.output.contains("\"torn_tail\":true") {
            figures.tornTailsAfterKill += 1
            return
        }
        figures.problems.append("journal verify \(context): exit \(result.status): \(result.output) \(result.error)")
    }
}

/// The data directory's files, read the way an operator would (docs/formats.md).
enum DataFiles {
    static func segments(_ data: String) -> [String] {
        let directory = data + "/journal"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
    }

    static func snapshots(_ data: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: data + "/snapshots")) ?? []
        return names.filter { $0.hasSuffix(".snap") && !$0.hasPrefix(".") }.sorted()
    }

    static func newestSnapshotSequence(_ data: String) -> UInt64 {
        UInt64(snapshots(data).last?.prefix(20) ?? "") ?? 0
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Polls (bounded) for a snapshot being written: `snapshots/.<seq>.snap.tmp`.
    static func waitForSnapshotTemporary(_ data: String, seconds: Double) -> Bool {
        let deadline = monotonicNanos() + Int64(seconds * 1e9)
        while monotonicNanos() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: data + "/snapshots")) ?? []
            if names.contains(where: { $0.hasSuffix(".tmp") }) { return true }
            usleep(200)
        }
        return false
    }
}
