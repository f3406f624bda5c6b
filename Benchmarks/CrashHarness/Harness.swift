import Foundation

/// The whole harness: the kill/restart run, the disk-full run, torn-tail and corrupted-record starts, and
/// (long form, on request) recovery time of a large data directory.
struct Harness {
    let options: HarnessOptions

    init(_ options: HarnessOptions) { self.options = options }

    func run() -> Bool {
        let root = options.directory ?? NSTemporaryDirectory() + "crash-harness-\(options.seed)-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let cycles = options.cycles ?? (options.long ? 200 : 12)
        let settings = RunSettings(binary: options.numninja, runDirectory: root, dataDirectory: root + "/data", seed: options.seed,
                                   cycles: cycles, numbers: options.numbers ?? (options.long ? 10_000 : 260),
                                   threads: options.threads ?? (options.long ? 12 : 6),
                                   acksPerCycle: options.long ? 50...600 : 60...250,
                                   segmentBytes: 16 * 1024, snapshotEvery: options.long ? 1_000 : 200)
        guard let crash = CrashRun(settings) else {
            say("crash-harness: cannot write into \(root)")
            return false
        }
        let started = monotonicNanos()
        let figures = crash.run()
        say(figures.text("kill/restart"))
        var ok = report(figures)
        if let replayed = figures.recordsReplayed.max(), replayed > 2 * settings.snapshotEvery {
            say("  NOTE a restart replayed \(replayed) journal records with NUMNINJA_SNAPSHOT_EVERY=\(settings.snapshotEvery): "
                + "automatic snapshots did not keep the replayed tail short across restarts")
        }
        if figures.clean {
            let faults = JournalFaults.run(crash)
            say("torn tail: \(faults.tornTail)")
            say("corrupted record: \(faults.corruptMiddle)")
            for problem in faults.problems.prefix(8) { say("  PROBLEM \(problem)") }
            ok = ok && faults.problems.isEmpty
        }
        var disk = DiskFullFigures()
        if options.skipDisk { disk.skipped = "--no-disk" } else { disk = DiskFullRun.run(options: options, root: root) }
        say(disk.text)
        ok = report(disk.run) && ok
        var recovery = "\"not_run\""
        let recoveryNumbers = options.recoveryNumbers ?? (options.long ? 1_000_000 : 0)
        if recoveryNumbers > 0 {
            let (text, built) = RecoveryFigure.run(options: options, numbers: recoveryNumbers, root: root)
            say(text)
            recovery = built ? "\"\(text.replacingOccurrences(of: "\"", with: "'"))\"" : "\"failed\""
            ok = ok && built
        }
        say("{\"seed\":\(options.seed),\"mode\":\"\(options.long ? "long" : "short")\",\(figures.json()),"
              + "\"disk_full\":\(disk.skipped == nil ? "{\(disk.run.json())}" : "\"skipped\""),"
              + "\"recovery_figure\":\(recovery),\"seconds\":\(Int(Double(monotonicNanos() - started) / 1e9))}")
        if ok && !options.keep { try? FileManager.default.removeItem(atPath: root) }
        if !ok { say("crash-harness: files kept in \(root)") }
        return ok
    }

    /// Prints the first few problems; true when there are none.
    func report(_ figures: RunFigures) -> Bool {
        let problems = figures.problems + figures.check.failures
        for problem in problems.prefix(8) { say("  PROBLEM \(problem)") }
        if problems.count > 8 { say("  ... \(problems.count - 8) more") }
        return figures.clean
    }
}
