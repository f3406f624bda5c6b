import Foundation
import Snapshot
import TestSupport
import Testing

/// The whole story through HTTP, on the real binary, with events made and signed by `numninja send`:
/// reserve → checkout paid → DIDWW order completed → active; SMS and CDRs counted; a failed invoice
/// suspends, a paid one reactivates; a deleted subscription cancels. A second number gets the same events
/// out of order and twice, and ends in the same facts.
@Suite struct WholeStoryTests {
    static let environment = ["NUMNINJA_STRIPE_WEBHOOK_SECRETS": "whsec_story", "NUMNINJA_DIDWW_CALLBACK_SECRETS": "didww_story",
                              "NUMNINJA_INBOUND_TOKEN": "in_story", "NUMNINJA_API_TOKEN": "api_story"]

    struct Story {
        let address: String
        let t0 = Int64(Date().timeIntervalSince1970) - 3600

        func send(_ arguments: [String]) throws {
            var flags = ["--url", "http://\(address)"]
            switch arguments[0] {
            case "stripe": flags += ["--secret", "whsec_story"]
            default: flags += arguments[1] == "order" ? ["--secret", "didww_story"] : ["--token", "in_story"]
            }
            let result = try SendCommandTests.send(arguments + flags)
            #expect(result.status == 0, "send \(arguments): \(result.output)")
        }

        func stripe(_ type: String, _ number: String, at offset: Int64, id: String, extra: [String] = []) throws {
            try send(["stripe", type, "--number", number, "--created", String(t0 + offset), "--event-id", id] + extra)
        }

        func number(_ id: String) async throws -> [String: Any] {
            let result = try await curl(["-s", "-H", "Authorization: Bearer api_story", "http://\(address)/api/numbers/\(id)"])
            return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        }

        func state(_ id: String) async throws -> String? { try await number(id)["state"] as? String }

        func reserve(_ id: String, e164: String) async throws {
            let body = #"{"id": "\#(id)", "e164": "\#(e164)", "customer": "cus_\#(id)", "didww": {"sku_id": "sku_us"}, "#
                + #""plan": {"included_call_seconds": 600, "included_sms": 10, "overage": "bill"}}"#
            let result = try await curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Authorization: Bearer api_story",
                                         "-H", "Content-Type: application/json", "--data-binary", body, "http://\(address)/api/numbers"])
            #expect(result.output == "201", "reserve \(id): \(result.output)")
        }
    }

    static let periodEnd: Int64 = 1_798_761_600

    @Test func reservePayProvisionUseSuspendReactivateCancel() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-story-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        let (process, address, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let story = Story(address: address)
        let a = "num_story_a"
        let sub = ["--subscription", "sub_story_a", "--customer", "cus_num_story_a"]

        try await story.reserve(a, e164: "+14155550100")
        #expect(try await story.state(a) == "pending")
        try story.stripe("checkout.session.completed", a, at: 10, id: "evt_a_checkout", extra: sub)
        #expect(try await story.state(a) == "paid")
        try story.send(["didww", "order", "--number", a, "--order", "ord_story_a"])
        #expect(try await story.state(a) == "active")
        try story.send(["didww", "sms", "--to", "+14155550100", "--uuid", "sms-a-1"])
        try story.send(["didww", "sms", "--to", "+14155550100", "--uuid", "sms-a-2"])
        try story.send(["didww", "cdr", "--to", "+14155550100", "--calls", "3", "--duration", "60"])
        let used = try await story.number(a)["usage"] as? [String: Any]
        #expect(used?["sms_in"] as? Int == 2 && used?["calls"] as? Int == 3 && used?["call_seconds"] as? Int == 180, "\(String(describing: used))")
        try story.stripe("invoice.payment_failed", a, at: 20, id: "evt_a_failed", extra: sub)
        var number = try await story.number(a)
        #expect(number["state"] as? String == "suspended" && number["state_reason"] as? String == "payment_failed", "\(number)")
        try story.stripe("invoice.paid", a, at: 30, id: "evt_a_paid", extra: sub + ["--period-end", String(Self.periodEnd)])
        number = try await story.number(a)
        #expect(number["state"] as? String == "active")
        #expect((number["stripe"] as? [String: Any])?["paid_through"] as? Int64 == Self.periodEnd)
        try story.stripe("customer.subscription.deleted", a, at: 40, id: "evt_a_deleted", extra: sub)
        number = try await story.number(a)
        #expect(number["state"] as? String == "cancelled" && number["state_reason"] != nil, "\(number)")

        // Number B: the same provider events, newest first, each delivered twice; the DIDWW callback before the payment.
        let b = "num_story_b"
        let subB = ["--subscription", "sub_story_b", "--customer", "cus_num_story_b"]
        try await story.reserve(b, e164: "+14155550101")
        for _ in 0..<2 {
            try story.stripe("customer.subscription.deleted", b, at: 40, id: "evt_b_deleted", extra: subB)
            try story.stripe("invoice.paid", b, at: 30, id: "evt_b_paid", extra: subB + ["--period-end", String(Self.periodEnd)])
            try story.send(["didww", "order", "--number", b, "--order", "ord_story_b"])
            try story.stripe("invoice.payment_failed", b, at: 20, id: "evt_b_failed", extra: subB)
            try story.send(["didww", "sms", "--to", "+14155550101", "--uuid", "sms-b-1"])
            try story.send(["didww", "sms", "--to", "+14155550101", "--uuid", "sms-b-2"])
            try story.stripe("checkout.session.completed", b, at: 10, id: "evt_b_checkout", extra: subB)
        }
        try story.send(["didww", "cdr", "--to", "+14155550101", "--calls", "3", "--duration", "60"])
        let finalA = try await story.number(a)
        let finalB = try await story.number(b)
        #expect(finalB["state"] as? String == finalA["state"] as? String)
        #expect(finalB["state_reason"] as? String == finalA["state_reason"] as? String)
        #expect((finalB["stripe"] as? [String: Any])?["paid_through"] as? Int64 == Self.periodEnd)
        let usageA = finalA["usage"] as? [String: Any]
        let usageB = finalB["usage"] as? [String: Any]
        for field in ["calls", "call_seconds", "sms_in", "voicemails"] {
            #expect(usageA?[field] as? Int == usageB?[field] as? Int, "\(field): \(String(describing: usageA)) vs \(String(describing: usageB))")
        }
        #expect(try await ServeCommandTests.stop(process) == 0)

        // The same after a restart: replay gives what the live run gave.
        let (again, againAddress, _) = try await ServeCommandTests.startServe(data: data, environment: Self.environment)
        defer { if again.isRunning { kill(again.processIdentifier, SIGKILL) } }
        let replayed = try await Story(address: againAddress).number(b)
        #expect(replayed["state"] as? String == "cancelled")
        #expect((replayed["version"] as? Int ?? 0) >= (finalB["version"] as? Int ?? Int.max))
        #expect(try await ServeCommandTests.stop(again) == 0)
    }
}
