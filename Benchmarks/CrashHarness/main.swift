#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Server

// crash-harness: kills `numninja serve` with SIGKILL under signed load, restarts it, and checks every
// acknowledged event against an independent model of the lifecycle (Benchmarks/README.md, crash-harness).

let options = HarnessOptions.parse(Array(CommandLine.arguments.dropFirst()))
say("crash-harness: seed \(options.seed) (--seed \(options.seed) replays the same traffic decisions), mode \(options.long ? "long" : "short")")
let outcome = Harness(options).run()
exit(outcome ? 0 : 1)

/// One line on standard output, flushed at once so that progress shows when the output is a file or a pipe.
func say(_ text: String) {
    Output.standardOutput.line(text)
    Output.standardOutput.flush()
}
