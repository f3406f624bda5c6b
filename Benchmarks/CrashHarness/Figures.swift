/// What one run found, printed as text and as one JSON line.
struct RunFigures {
    var cycles = 0
    var sent = 0
    var acknowledged = 0
    var landedWithoutAck = 0
    var unavailable = 0
    var connectionFailures = 0
    var check = CheckOutcome()
    var recoveryMillis: [Double] = []
    /// The server's own figures from its recovery summary line: milliseconds and records replayed.
    var serverRecoveryMillis: [Double] = []
    var recordsReplayed: [Int] = []
    var snapshotKills = 0
    var killsDuringSnapshotWrite = 0
    var killsInFreshSegment = 0
    var tornTailsAfterKill = 0
    var segmentsAtEnd = 0
    var historyChecked = 0
    var snapshotsTaken = 0
    var problems: [String] = []

    var clean: Bool { check.clean && problems.isEmpty }

    mutating func absorb(_ ledger: Ledger) {
        sent = ledger.sent
        acknowledged = ledger.acknowledged
        landedWithoutAck = ledger.landedWithoutAck
        unavailable = ledger.unavailable
        connectionFailures = ledger.connectionFailures
        problems += ledger.rejected.prefix(10).map { "rejected: \($0)" }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func millis(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }

    func text(_ name: String) -> String {
        "\(name): cycles \(cycles), sent \(sent), acknowledged \(acknowledged), lost \(check.lost), applied twice \(check.twice), "
            + "model mismatches \(check.mismatches), version decreases \(check.versionDecreases), phantom numbers \(check.phantoms); "
            + "in doubt at a kill and found landed on retry \(landedWithoutAck), 503 answers \(unavailable), "
            + "requests cut by a kill \(connectionFailures); recovery after kill p50 \(Self.millis(Self.percentile(recoveryMillis, 0.5))) ms, "
            + "max \(Self.millis(recoveryMillis.max() ?? 0)) ms (the server's own recovery p50 \(Self.millis(Self.percentile(serverRecoveryMillis, 0.5))) ms, "
            + "max \(Self.millis(serverRecoveryMillis.max() ?? 0)) ms; records replayed p50 \(Int(Self.percentile(recordsReplayed.map(Double.init), 0.5))), "
            + "max \(recordsReplayed.max() ?? 0)); kills after POST /admin/snapshot \(snapshotKills) "
            + "(\(killsDuringSnapshotWrite) with the snapshot's temporary file present), kills within 4 KiB of a new segment "
            + "\(killsInFreshSegment), torn tails seen by journal verify after a kill \(tornTailsAfterKill), segments at the end \(segmentsAtEnd), "
            + "event histories checked at the end \(historyChecked); "
            + "numbers by state at the end: " + check.states.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    func json() -> String {
        "\"cycles\":\(cycles),\"sent\":\(sent),\"acknowledged\":\(acknowledged),\"lost\":\(check.lost),\"twice\":\(check.twice),"
            + "\"mismatches\":\(check.mismatches),\"version_decreases\":\(check.versionDecreases),\"phantoms\":\(check.phantoms),"
            + "\"landed_without_ack\":\(landedWithoutAck),\"unavailable_answers\":\(unavailable),"
            + "\"recovery_p50_ms\":\(Self.millis(Self.percentile(recoveryMillis, 0.5))),\"recovery_max_ms\":\(Self.millis(recoveryMillis.max() ?? 0)),"
            + "\"snapshot_kills\":\(snapshotKills),\"kills_during_snapshot_write\":\(killsDuringSnapshotWrite),"
            + "\"kills_in_fresh_segment\":\(killsInFreshSegment),\"torn_tails_after_kill\":\(tornTailsAfterKill),\"problems\":\(problems.count + check.failures.count)"
    }
}
