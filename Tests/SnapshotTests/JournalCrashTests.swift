import TestSupport
import Testing
import Snapshot
#if canImport(Glibc)
import Glibc
#endif

@Suite("Journal crash (SIGKILL of a writing process)")
struct JournalCrashTests {
    /// Set NN_CRASH_SEED to replay a schedule printed by a failure.
    static func seed() -> UInt64 {
        if let text = getenv("NN_CRASH_SEED"), let value = UInt64(String(cString: text)) { return value }
        return UInt64.random(in: 0...UInt64.max)
    }

    @Test("every acknowledged append survives SIGKILL, round after round")
    func killedWriterLosesNothingAcknowledged() throws {
        let child = try locateBuiltExecutable("storage-crash-child")
        let seed = Self.seed()
        print("JournalCrashTests: seed \(seed) (replay with NN_CRASH_SEED=\(seed))")
        var rng = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        try withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            var recoveredLast: UInt64 = 0
            var totalAcknowledged = 0
            for round in 1...5 {
                let delay = Duration.milliseconds(50 + Int(rng.next() % 251))
                let context = "round \(round), kill after \(delay), seed \(seed)"
                let process = try ChildProcess(executable: child, arguments: [
                    "journal", directory, "--segment-bytes", "4096", "--tasks", "16", "--max-seconds", "120",
                ])
                var ready: UInt64?
                var acknowledged: [UInt64] = []
                var unexpected: [String] = []
                func take(_ lines: [String]) {
                    for line in lines {
                        if line.hasPrefix("ready "), let value = UInt64(line.dropFirst(6)) {
                            ready = value
                        } else if let value = UInt64(line) {
                            acknowledged.append(value)
                        } else {
                            unexpected.append(line)
                        }
                    }
                }

                // Wait (with a deadline) until the child has recovered and starts appending.
                let readyDeadline = clock.now + .seconds(30)
                while ready == nil && !process.reachedEOF && clock.now < readyDeadline {
                    take(process.readLines(waitingAtMost: 200))
                }
                try #require(ready != nil, "the child never reported ready (\(context))")
                #expect(ready == recoveredLast, "the child recovered to \(ready!), the previous round to \(recoveredLast) (\(context))")

                // The deliberate random delay before the kill, draining acknowledgements meanwhile.
                let killAt = clock.now + delay
                while clock.now < killAt && !process.reachedEOF {
                    let left = killAt - clock.now
                    let milliseconds = Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                    take(process.readLines(waitingAtMost: max(1, milliseconds)))
                }
                #expect(!process.reachedEOF, "the child exited by itself (\(context))")
                process.kill(SIGKILL)
                // Every line written before the kill is in the pipe: read to end of file.
                let drainDeadline = clock.now + .seconds(30)
                while !process.reachedEOF && clock.now < drainDeadline {
                    take(process.readLines(waitingAtMost: 200))
                }
                #expect(process.reachedEOF, "the child's stdout never closed (\(context))")
                let status = process.wait()
                #expect(ChildProcess.terminatingSignal(status) == SIGKILL, "child status \(status) (\(context))")
                #expect(unexpected.isEmpty, "unexpected output \(unexpected.prefix(3)) (\(context))")
                totalAcknowledged += acknowledged.count

                // Recover as the next owner would, then check every acknowledged record.
                var options = JournalOptions()
                options.segmentBytes = 4096
                let journal = try Journal(directory: directory, options: options)
                let last = journal.recoveryReport.lastSequence
                let truncations = journal.recoveryReport.truncations
                journal.close()
                #expect(truncations.count <= 1, "\(truncations) (\(context))")

                let (records, verification) = try readAll(directory)
                #expect(verification.isIntact, "\(String(describing: verification.problem)) (\(context))")
                #expect(records.count == Int(last), "recovered \(records.count) records, report says \(last) (\(context))")
                var mismatches = 0
                for (index, record) in records.enumerated() where mismatches < 3 {
                    let sequence = UInt64(index + 1)
                    let expected = JournalRecord(sequence: sequence, time: CrashChildRecords.time(sequence),
                                                 kind: CrashChildRecords.kind(sequence), payload: CrashChildRecords.payload(sequence))
                    if record != expected {
                        mismatches += 1
                        Issue.record("record at position \(index) is \(record.sequence) with \(record.payload.count) bytes, expected \(sequence) with \(expected.payload.count) bytes (\(context))")
                    }
                }
                let sortedAcks = acknowledged.sorted()
                #expect(Set(acknowledged).count == acknowledged.count, "a sequence was acknowledged twice (\(context))")
                #expect(sortedAcks == acknowledged, "acknowledgements out of order (\(context))")
                if let first = sortedAcks.first {
                    #expect(first == recoveredLast + 1, "the round started at \(first), after \(recoveredLast) (\(context))")
                }
                if let maxAck = sortedAcks.last {
                    #expect(maxAck <= last, "acknowledged \(maxAck) but only \(last) recovered: lost \(maxAck - min(maxAck, last)) records (\(context))")
                }
                #expect(last >= recoveredLast, "records from earlier rounds lost (\(context))")
                recoveredLast = last
            }
            #expect(totalAcknowledged > 0, "the child never acknowledged anything (seed \(seed))")
        }
    }
}
