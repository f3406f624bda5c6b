import Foundation
import Snapshot
import TestSupport
import Testing

/// `numninja serve` as an operator runs it: the real binary on an ephemeral loopback port, real curl,
/// SIGTERM for a graceful stop.
@Suite struct ServeCommandTests {
    @Test func servesHealthAndReadinessAndStopsCleanlyOnSIGTERM() async throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let data = DataDirectory(NSTemporaryDirectory() + "nn-serve-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", data.path, "--listen", "127.0.0.1:0"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Lines arrive as the server starts: the recovery summary, then where it listens.
        let lines = try await onThread { () -> [String] in
            var text = ""
            while !text.contains("\"listening\"") {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text.split(separator: "\n").map(String.init)
        }
        let listening = try #require(lines.first { $0.contains("\"listening\"") }, "serve never said where it listens: \(lines)")
        let object = try JSONSerialization.jsonObject(with: Data(listening.utf8)) as! [String: Any]
        let address = try #require(object["address"] as? String)
        #expect(lines.first?.contains("\"last_sequence\":0") == true)

        let health = try await curl(["-i", "http://\(address)/healthz"])
        #expect(health.output.hasPrefix("HTTP/1.1 200"))
        #expect(health.output.contains("\"status\": \"ok\""))
        let ready = try await curl(["-i", "http://\(address)/readyz"])
        #expect(ready.output.hasPrefix("HTTP/1.1 200"))
        let unknown = try await curl(["-i", "http://\(address)/nope"])
        #expect(unknown.output.hasPrefix("HTTP/1.1 404"))
        #expect(unknown.output.contains("\"error\": \"not_found\""))
        let wrongMethod = try await curl(["-i", "-X", "POST", "http://\(address)/healthz"])
        #expect(wrongMethod.output.hasPrefix("HTTP/1.1 405"))

        // The directory is owned while serving.
        #expect(throws: StorageError.self) { _ = try data.lock() }

        kill(process.processIdentifier, SIGTERM)
        let exited = try await onThread { () -> Int32 in
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(exited == 0)
        let lock = try data.lock()
        lock.release()
    }

    @Test func badListenAddressIsAUsageError() throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", NSTemporaryDirectory() + "nn-serve-bad", "--listen", "nowhere"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }
}
