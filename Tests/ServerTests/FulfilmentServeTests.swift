import Foundation
import Server
import Snapshot
import TestSupport
import Testing

/// Effects carried out by the real `numninja serve` against the provider simulators (real servers on
/// loopback, configured as the providers), including the failure modes a carrier and a payment provider
/// really show: permanent refusals, 5xx, an answer overtaken by its own callback, a crash before the result
/// is journaled, and what providers never push (blocked DIDs, undelivered Stripe events).
@Suite(.serialized) struct FulfilmentServeTests {
    static let didwwSecret = "didww_fulfilment_tests"

    /// A server whose providers are the given simulators, with effects running.
    static func server(_ simulators: ProviderSimulators, reconcileSeconds: Int = 300) async throws -> APIServer {
        var environment = ["NUMNINJA_EFFECTS": "run", "NUMNINJA_DIDWW_CALLBACK_SECRETS": didwwSecret,
                           "NUMNINJA_DIDWW_TRUNK_ID": "trunk_tests", "NUMNINJA_PUBLIC_URL": "",
                           "NUMNINJA_RECONCILE_INTERVAL_SECONDS": String(reconcileSeconds)]
        for (name, value) in simulators.environment { environment[name] = value }
        return try await APIServer(environment: environment)
    }

    static func simulators() throws -> ProviderSimulators {
        try ProviderSimulators(didwwCallbackSecret: didwwSecret, didwwCallbackDelay: .milliseconds(50))
    }

    /// Reserves `number` and pays for it through checkout; returns the checkout's payment intent.
    @discardableResult
    static func reserveAndPay(_ server: APIServer, _ number: String, created: Int64 = 1_767_000_000) async throws -> String {
        let reserved = try await server.call("POST", "/api/numbers", body: APIServer.reservation(number, e164: "+14155550111", customer: "cus_\(number)"))
        #expect(reserved.status == 201, "\(reserved)")
        let event = "evt_co_\(number)"
        let answer = try await server.stripe(APIServer.checkoutCompleted(event, number: number, customer: "cus_\(number)",
                                                                        subscription: "sub_\(number)", created: created))
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        return "pi_\(event)"
    }

    /// Polls the number until `condition` holds (bounded).
    static func waitForNumber(_ server: APIServer, _ number: String, timeout: Duration = .seconds(15),
                              _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await server.get("/api/numbers/\(number)").object
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out; the number: \(last)")
        return last
    }

    static func failedEffects(_ server: APIServer) async throws -> [[String: Any]] {
        try await server.get("/admin/effects?status=failed").object["effects"] as? [[String: Any]] ?? []
    }

    @Test func demoTellsTheWholeStory() async throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["demo"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = try await onThread { () -> String in
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(process.terminationStatus == 0, "\(text)")
        let steps = text.split(separator: "\n").filter { $0.contains(" ms ") }
        #expect(steps.count == 11, "\(text)")
        #expect(steps.allSatisfy { $0.contains(" ok ") }, "\(text)")
        #expect(text.contains("every step happened"))
    }

    @Test func demoRejectsUnknownFlags() async throws {
        let binary = try #require(BuiltExecutables.path("numninja"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["demo", "--fast"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }

    @Test func aPermanentRefusalFailsTheNumberRefundsThePaymentAndAnOperatorCanRetry() async throws {
        let simulators = try Self.simulators()
        simulators.didww.setDefaultOutcome(.insufficientBalance)
        let server = try await Self.server(simulators)
        let intent = try await Self.reserveAndPay(server, "num_f1")
        let failed = try await Self.waitForNumber(server, "num_f1") { $0["state"] as? String == "failed" }
        #expect(failed["state_reason"] as? String != nil)
        #expect(await eventually(timeout: .seconds(10)) { simulators.stripe.refunds.contains { $0.paymentIntent == intent } })
        #expect(simulators.didww.createOrderRequests == 1, "a permanent refusal is not retried")
        let effects = try await Self.failedEffects(server)
        let provision = try #require(effects.first { $0["kind"] as? String == "provision_number" }, "\(effects)")
        let id = try #require(provision["id"] as? String)

        simulators.didww.setDefaultOutcome(.complete)
        let retried = try await server.call("POST", "/admin/effects/\(id)/retry", headers: ["X-Operator: alice"])
        #expect(retried.status == 200, "\(retried)")
        let deadline = ContinuousClock.now + .seconds(10)
        while try await Self.failedEffects(server).contains(where: { $0["id"] as? String == id }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try await Self.failedEffects(server).contains { $0["id"] as? String == id } == false)
        // The number failed for good: the retried purchase buys nothing (no DID on a dead number).
        #expect(simulators.didww.orders.isEmpty)
        let history = try await server.get("/api/numbers/num_f1/history?kind=events&limit=100").text
        #expect(history.contains("effect_retried"), "\(history)")
        try await server.finish()
        await simulators.shutdown()
    }

    @Test func aServerErrorIsRetriedWithBackoffUntilTheOrderGoesThrough() async throws {
        let simulators = try Self.simulators()
        simulators.didww.setDefaultOutcome(.serverError)
        let server = try await Self.server(simulators)
        try await Self.reserveAndPay(server, "num_r1")
        #expect(await eventually(timeout: .seconds(10)) { simulators.didww.createOrderRequests >= 1 })
        simulators.didww.setDefaultOutcome(.complete)
        let active = try await Self.waitForNumber(server, "num_r1", timeout: .seconds(20)) { $0["state"] as? String == "active" }
        #expect(active["state"] as? String == "active")
        #expect(simulators.didww.orders.count == 1)
        #expect(await eventually(timeout: .seconds(10)) { simulators.didww.dids.first?.voiceInTrunkID == "trunk_tests" })
        let metrics = try await server.get("/metrics").text
        #expect(metrics.contains("numninja_effects_total{kind=\"provision_number\",outcome=\"retried\"}"), "\(metrics.prefix(300))")
        try await server.finish()
        await simulators.shutdown()
    }

    @Test func aCallbackThatOvertakesTheAnswerAndACrashBeforeTheResultIsJournaledBuyNothingTwice() async throws {
        let simulators = try Self.simulators()
        // The order exists (and its callback is sent) at once; the create call answers only after 5 s.
        simulators.didww.setDefaultOutcome(.lateAnswer(.seconds(5)))
        let server = try await Self.server(simulators)
        try await Self.reserveAndPay(server, "num_c1")
        #expect(await eventually(timeout: .seconds(10)) { simulators.didww.orders.count == 1 })
        // The callback arrives before the order's answer: the number is live before ProvisioningStarted.
        _ = try await Self.waitForNumber(server, "num_c1") { $0["state"] as? String == "active" }
        let before = try await server.get("/api/numbers/num_c1").object
        #expect((before["didww"] as? [String: Any])?["order_id"] as? String == simulators.didww.orders.first?.id)

        // Killed while the create call is still waiting for its answer: its result was never journaled.
        try await server.killAndRestart()
        simulators.didww.setDefaultOutcome(.complete)
        // After recovery the pending ProvisionNumber runs again, finds the order by its external reference,
        // and settles without buying a second number.
        let deadline = ContinuousClock.now + .seconds(15)
        var pending = true
        while pending, ContinuousClock.now < deadline {
            let list = try await server.get("/admin/effects?status=pending").object["effects"] as? [[String: Any]] ?? []
            pending = list.contains { $0["kind"] as? String == "provision_number" }
            if pending { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(!pending, "the provision effect settles after the restart")
        #expect(simulators.didww.orders.count == 1)
        #expect(simulators.didww.createOrderRequests == 1, "the retry found the order instead of creating one")
        let after = try await server.get("/api/numbers/num_c1").object
        #expect(after["state"] as? String == "active")
        try await server.finish()
        await simulators.shutdown()
    }

    @Test func reconciliationFindsBlockedDIDsAndStripeCatchUpIngestsUndeliveredEvents() async throws {
        let simulators = try Self.simulators()
        let server = try await Self.server(simulators, reconcileSeconds: 1)
        try await Self.reserveAndPay(server, "num_b1")
        _ = try await Self.waitForNumber(server, "num_b1") { $0["state"] as? String == "active" }
        let did = try #require(simulators.didww.dids.first)

        simulators.didww.setBlocked(didID: did.id, true)
        let blocked = try await Self.waitForNumber(server, "num_b1") { $0["state"] as? String == "suspended" }
        #expect(blocked["state_reason"] as? String == "provider_blocked")
        simulators.didww.setBlocked(didID: did.id, false)
        _ = try await Self.waitForNumber(server, "num_b1") { $0["state"] as? String == "active" }

        // Stripe gave up delivering a failed payment: the catch-up loop reads it from the events API.
        let invoice = """
            {"id":"in_missed","object":"invoice","subscription":"sub_num_b1","customer":"cus_num_b1",\
            "lines":{"data":[{"period":{"end":1769592000}}]}}
            """
        simulators.stripe.addEvent(id: "evt_missed_1", type: "invoice.payment_failed", created: 1_767_000_500, objectJSON: invoice)
        let suspended = try await Self.waitForNumber(server, "num_b1") { $0["state"] as? String == "suspended" }
        #expect(suspended["state_reason"] as? String == "payment_failed")
        // Read again on the next round: a duplicate, applied once.
        let deadline = ContinuousClock.now + .seconds(10)
        while !(try await server.get("/metrics").text.contains("numninja_webhooks_total{source=\"stripe\",outcome=\"duplicate\"} 1")),
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await server.get("/metrics").text.contains("numninja_webhooks_total{source=\"stripe\",outcome=\"duplicate\"} 1"))
        let history = try await server.get("/api/numbers/num_b1/history?kind=events&limit=100").text
        #expect(history.components(separatedBy: "evt_missed_1").count - 1 == 1, "\(history)")
        try await server.finish()
        await simulators.shutdown()
    }
}
