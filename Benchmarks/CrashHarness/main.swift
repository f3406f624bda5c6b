#if canImport(Glibc)
import Glibc
#endif
import Foundation

// crash-harness: kills `numninja serve` with SIGKILL under signed load, restarts it, and checks every
// acknowledged event against an independent model of the lifecycle (Benchmarks/README.md, crash-harness).

let options = HarnessOptions.parse(Array(CommandLine.arguments.dropFirst()))
print("crash-harness: seed \(options.seed) (--seed \(options.seed) replays the same traffic decisions), mode \(options.long ? "long" : "short")")
let outcome = Harness(options).run()
exit(outcome ? 0 : 1)
