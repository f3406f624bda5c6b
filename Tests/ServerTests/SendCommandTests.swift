import Foundation
import NumberActors
@testable import Server
import Snapshot
import TestSupport
import Testing

/// `numninja send`: realistic events built from Stripe's examples, signed with the server's own secrets.
@Suite struct SendCommandTests {
    @Test(arguments: StripeEventBuilder.types)
    func everyStripeTemplateRendersAnEventTheTranslatorRoutes(type: String) throws {
        var builder = StripeEventBuilder(type: type, numberID: "num_send1", created: 1_796_000_000, eventID: "evt_send_1")
        builder.customer = "cus_\"quoted\""
        let body = try #require(builder.render())
        // Valid JSON with the filled-in values, no placeholder left.
        let object = try JSONSerialization.jsonObject(with: Data(body)) as! [String: Any]
        #expect(object["id"] as? String == "evt_send_1")
        #expect(object["created"] as? Int == 1_796_000_000)
        #expect(object["type"] as? String == type)
        #expect(!String(decoding: body, as: UTF8.self).contains("{{"))
        let translation = try StripeEventTranslator().translate(body, receivedAt: 1_796_000_001)
        guard case .event(let event) = translation else {
            Issue.record("\(type) was ignored")
            return
        }
        #expect(event.source.eventID == "evt_send_1")
        // Everything that carries metadata names the number; disputes route through the charge index.
        if type.hasPrefix("charge.dispute.") {
            #expect(event.keys.contains(RouteKey(.charge, "ch_send1")))
        } else {
            #expect(event.numberID == "num_send1", "\(type): \(event)")
        }
    }

    @Test func invoicePeriodEndBecomesPaidThrough() throws {
        var builder = StripeEventBuilder(type: "invoice.paid", numberID: "num_p", created: 1_796_000_000)
        builder.periodEnd = 1_798_000_000
        let body = try #require(builder.render())
        #expect(String(decoding: body, as: UTF8.self).contains("\"end\":1798000000"))
    }

    @Test func sendsSignedEventsToARunningServer() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-send-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: ServeCommandTests.unsetSecrets)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The development secrets file is where send finds the secret.
        let sent = try Self.send(["stripe", "checkout.session.completed", "--number", "num_sent", "--url", "http://\(address)", "--data-dir", data.path])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.output.hasPrefix("200 {\"received\": true}"))
        let again = try Self.send(["stripe", "invoice.paid", "--number", "num_sent", "--event-id", "evt_fixed", "--url", "http://\(address)", "--data-dir", data.path])
        #expect(again.status == 0)
        let duplicate = try Self.send(["stripe", "invoice.paid", "--number", "num_sent", "--event-id", "evt_fixed", "--url", "http://\(address)", "--data-dir", data.path])
        #expect(duplicate.output.contains("\"duplicate\": true"))
        // A wrong secret is refused by the server, and send exits 1.
        let forged = try Self.send(["stripe", "invoice.paid", "--number", "num_sent", "--secret", "whsec_wrong", "--url", "http://\(address)"])
        #expect(forged.status == 1 && forged.output.contains("invalid_signature"))
        #expect(try await ServeCommandTests.stop(process) == 0)
        #expect(try NumberEngineTestHelper.recover(data).contains("\"last_sequence\":2"))
    }

    @Test(arguments: [["stripe"], ["stripe", "no.such.type", "--number", "n"], ["stripe", "invoice.paid"], ["fax"],
                      ["didww", "order", "--number", "n"], ["didww", "order", "--number", "n", "--order", "o", "--status", "done"],
                      ["didww", "cdr", "--to", "+1", "--calls", "5000"], ["stripe", "invoice.paid", "--number", "n", "--created", "soon"]])
    func badArgumentsExit2(arguments: [String]) throws {
        #expect(try Self.send(arguments).status == 2)
    }

    @Test func missingSecretsSayWhereTheyComeFrom() throws {
        let empty = NSTemporaryDirectory() + "nn-send-empty-\(UInt64.random(in: 0...UInt64.max))"
        let result = try Self.send(["stripe", "invoice.paid", "--number", "n", "--data-dir", empty, "--url", "http://127.0.0.1:9"])
        #expect(result.status == 2)
        #expect(result.output.contains("dev-secrets.json"))
    }

    static func send(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(BuiltExecutables.path("numninja")))
        process.arguments = ["send"] + arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["NUMNINJA_STRIPE_WEBHOOK_SECRETS", "NUMNINJA_DIDWW_CALLBACK_SECRETS", "NUMNINJA_INBOUND_TOKEN", "NUMNINJA_PUBLIC_URL", "NUMNINJA_DATA_DIR"] {
            environment[name] = nil
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
