import Foundation
import TestSupport
import Testing

/// The short form of the crash harness (Benchmarks/README.md, crash-harness) on the debug build: SIGKILL under
/// signed load, restarts, every acknowledged event checked against an independent model, a disk that fills,
/// a torn tail and a corrupted record. A new seed each run widens what `make test` covers; a failure prints it.
@Suite struct CrashHarnessTests {
    @Test func shortFormLosesNothingAndAppliesNothingTwice() async throws {
        let harness = try #require(BuiltExecutables.path("crash-harness"), "crash-harness is built next to the tests")
        let numninja = try #require(BuiltExecutables.path("numninja"), "numninja is built next to the tests")
        let seed = UInt64.random(in: 1...999_999_999)
        let (status, output) = try await onThread { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: harness)
            process.arguments = ["--short", "--seed", String(seed), "--binary", numninja]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(status == 0, "crash-harness --short --seed \(seed) exited \(status):\n\(output)")
        #expect(output.contains("\"lost\":0,\"twice\":0,\"mismatches\":0"), "\(output)")
    }
}
