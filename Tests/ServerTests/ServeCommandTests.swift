import Foundation
import Server
import Snapshot
import TestSupport
import Testing

/// `numninja serve` as an operator runs it: the real binary on an ephemeral loopback port, real curl,
/// SIGTERM for a graceful stop.
@Suite struct ServeCommandTests {
    @Test func servesHealthAndReadinessAndStopsCleanlyOnSIGTERM() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-serve-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let (process, address, startup) = try await Self.startServe(data: data)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Where it listens comes first (it answers while recovering), then the recovery summary, then ready.
        #expect(startup.first?.contains("\"listening\"") == true)
        #expect(startup.contains { $0.contains("\"last_sequence\":0") })

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

        #expect(try await Self.stop(process) == 0)
        let lock = try data.lock()
        lock.release()
    }

    /// Starts `numninja serve`; returns the process, the address it listens on, and its start-up lines.
    static func startServe(data: DataDirectory, environment: [String: String] = [:]) async throws -> (Process, String, [String]) {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", data.path, "--listen", "127.0.0.1:0"]
        // Effects stay in the outboxes unless a test asks for them to run (the state then changes by itself).
        process.environment = ProcessInfo.processInfo.environment.merging(["NUMNINJA_EFFECTS": "pause"]) { $1 }
            .merging(environment) { $1 }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = try await onThread { () -> String in
            var text = ""
            while !text.contains("\"event\":\"ready\"") {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        let lines = text.split(separator: "\n").map(String.init)
        _ = try #require(lines.first { $0.contains("\"event\":\"ready\"") }, "serve did not get ready: \(text)")
        let line = try #require(lines.first { $0.contains("\"listening\"") }, "serve did not start: \(text)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        return (process, try #require(object["address"] as? String), lines)
    }

    static func stop(_ process: Process) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        return try await onThread { () -> Int32 in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func postStripe(_ address: String, body: [UInt8], header: String?) async throws -> String {
        let file = NSTemporaryDirectory() + "nn-stripe-body-\(UInt64.random(in: 0...UInt64.max)).json"
        try Data(body).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var arguments = ["-i", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + file]
        if let header { arguments += ["-H", "Stripe-Signature: " + header] }
        return try await curl(arguments + ["http://\(address)/api/webhooks/stripe"]).output
    }

    static let checkoutFixture: [UInt8] = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return Array(try! Data(contentsOf: url.appendingPathComponent("Fixtures/stripe/checkout.session.completed.json")))
    }()

    @Test func stripeWebhooksAreVerifiedJournaledAndDeduplicated() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-serve-stripe-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let secret = "whsec_test_\(UInt64.random(in: 0...UInt64.max))"
        let (process, address, _) = try await Self.startServe(data: data, environment: ["NUMNINJA_STRIPE_WEBHOOK_SECRETS": "whsec_old," + secret])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let body = Self.checkoutFixture
        let now = Int64(Date().timeIntervalSince1970)
        let signed = StripeSignature.header(payload: body, secrets: [secret], timestamp: now)

        let first = try await Self.postStripe(address, body: body, header: signed)
        #expect(first.hasPrefix("HTTP/1.1 200"), "\(first)")
        #expect(first.contains("{\"received\": true}"))
        let again = try await Self.postStripe(address, body: body, header: signed)
        #expect(again.contains("\"duplicate\": true"))

        var tampered = body
        tampered[tampered.count / 2] ^= 0x01
        #expect(try await Self.postStripe(address, body: tampered, header: signed).contains("\"invalid_signature\""))
        #expect(try await Self.postStripe(address, body: body, header: nil).contains("\"malformed_signature_header\""))
        let stale = StripeSignature.header(payload: body, secrets: [secret], timestamp: now - 3600)
        #expect(try await Self.postStripe(address, body: body, header: stale).contains("\"timestamp_out_of_tolerance\""))
        let garbage = Array("{not json".utf8)
        let garbageSigned = StripeSignature.header(payload: garbage, secrets: [secret], timestamp: now)
        let invalid = try await Self.postStripe(address, body: garbage, header: garbageSigned)
        #expect(invalid.hasPrefix("HTTP/1.1 400") && invalid.contains("\"invalid_payload\""))
        #expect(try await Self.stop(process) == 0)

        // Exactly one event was journaled, and it survives the restart.
        let recovered = try NumberEngineTestHelper.recover(data)
        #expect(recovered.contains("\"last_sequence\":1"), "\(recovered)")
    }

    @Test func developmentModeGeneratesPrivateSecretsOnceAndKeepsThem() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-serve-dev-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let unset = Self.unsetSecrets.merging(["NUMNINJA_ENV": "development"]) { $1 }
        let (process, address, _) = try await Self.startServe(data: data, environment: unset)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let path = data.path + "/dev-secrets.json"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: String]
        #expect(Set(stored.keys) == ["stripe_webhook_secret", "didww_callback_secret", "inbound_token", "api_token"])
        let secret = try #require(stored["stripe_webhook_secret"])
        #expect(secret.hasPrefix("whsec_"))
        let body = Self.checkoutFixture
        let signed = StripeSignature.header(payload: body, secrets: [secret], timestamp: Int64(Date().timeIntervalSince1970))
        #expect(try await Self.postStripe(address, body: body, header: signed).hasPrefix("HTTP/1.1 200"))
        #expect(try await Self.stop(process) == 0)

        // A restart reuses them: the file is unchanged.
        let (again, _, _) = try await Self.startServe(data: data, environment: unset)
        defer { if again.isRunning { kill(again.processIdentifier, SIGKILL) } }
        let reread = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: String]
        #expect(reread == stored)
        #expect(try await Self.stop(again) == 0)
    }

    /// Every secret and token variable, set empty (so none leaks in from the environment running the tests).
    static let unsetSecrets = ["NUMNINJA_STRIPE_WEBHOOK_SECRETS": "", "NUMNINJA_DIDWW_CALLBACK_SECRETS": "",
                               "NUMNINJA_INBOUND_TOKEN": "", "NUMNINJA_API_TOKEN": ""]

    @Test func productionRefusesToStartWithoutSecrets() throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let data = NSTemporaryDirectory() + "nn-serve-prod-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", data, "--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["NUMNINJA_ENV"] = "production"
        environment["NUMNINJA_STRIPE_WEBHOOK_SECRETS"] = "whsec_configured"
        environment["NUMNINJA_DIDWW_CALLBACK_SECRETS"] = nil
        environment["NUMNINJA_INBOUND_TOKEN"] = nil
        environment["NUMNINJA_API_TOKEN"] = nil
        process.environment = environment
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        // Names every missing one, and only those.
        #expect(message.contains("NUMNINJA_DIDWW_CALLBACK_SECRETS, NUMNINJA_INBOUND_TOKEN, NUMNINJA_API_TOKEN"), "\(message)")
        #expect(!message.contains("NUMNINJA_STRIPE_WEBHOOK_SECRETS"))
        #expect(!FileManager.default.fileExists(atPath: data + "/dev-secrets.json"))
    }

    @Test(arguments: [("NUMNINJA_STRIPE_TOLERANCE_SECONDS", "-1"), ("NUMNINJA_STRIPE_TOLERANCE_SECONDS", "soon"),
                      ("NUMNINJA_HEADER_TIMEOUT_SECONDS", "0"), ("NUMNINJA_MAX_BODY_BYTES", "lots"),
                      ("NUMNINJA_FSYNC", "sometimes"), ("NUMNINJA_ENV", "staging"), ("NUMNINJA_PUBLIC_URL", "ftp://x"),
                      ("NUMNINJA_STRIPE_WEBHOOK_SECRETS", "not-a-whsec"), ("NUMNINJA_API_TOKEN", ",,"),
                      ("NUMNINJA_SNAPSHOT_EVERY", "0"), ("NUMNINJA_JOURNAL_SEGMENT_BYTES", "12")])
    func badConfigurationValuesAreUsageErrors(variable: String, value: String) throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let data = NSTemporaryDirectory() + "nn-serve-badenv-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", data, "--listen", "127.0.0.1:0"]
        process.environment = ProcessInfo.processInfo.environment.merging([variable: value]) { $1 }
        let stderr = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(message.contains(variable))
        // Refused before anything was created.
        #expect(!FileManager.default.fileExists(atPath: data))
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

enum NumberEngineTestHelper {
    /// `numninja recover` on a stopped server's directory: its one-line summary.
    static func recover(_ data: DataDirectory) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltExecutables.path("numninja")!)
        process.arguments = ["recover", "--data-dir", data.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let text = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}
