import Foundation
import Server
import Testing

/// The admin endpoints end to end: the real binary, real curl, real files, restarts.
@Suite struct AdminEndpointsServeTests {
    @Test func statusAndSnapshotsDescribeTheDataDirectory() async throws {
        let server = try await APIServer()
        let empty = try await server.get("/admin/status")
        #expect(empty.status == 200, "\(empty)")
        let emptySnapshot = try #require(empty.object["snapshot"] as? [String: Any])
        #expect(emptySnapshot["sequence"] is NSNull && emptySnapshot["millis"] is NSNull)
        #expect(empty.object["unroutable"] as? Int == 0)

        for index in 1...3 {
            #expect(try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_s\(index)", e164: "+1415555030\(index)")).status == 201)
        }
        let now = Int64(Date().timeIntervalSince1970)
        // Reserved and paid: a ProvisionNumber effect waits in the outbox.
        _ = try await server.stripe(APIServer.checkoutCompleted("evt_s1", number: "num_s1", customer: "cus_1", subscription: "sub_s1", created: now))

        let status = try await server.get("/admin/status")
        let journal = try #require(status.object["journal"] as? [String: Any])
        #expect(journal["last_sequence"] as? Int == 4, "\(status)")
        #expect(journal["segments"] as? Int == 1)
        #expect((journal["bytes"] as? Int ?? 0) > 0)
        let numbers = try #require(status.object["numbers"] as? [String: Int])
        #expect(numbers == ["pending": 2, "paid": 1, "provisioning": 0, "active": 0, "suspended": 0, "cancelled": 0, "failed": 0])
        let outbox = try #require(status.object["outbox"] as? [String: Any])
        #expect((outbox["pending"] as? Int ?? 0) >= 1 && outbox["failed"] as? Int == 0, "\(status)")
        #expect((outbox["oldest_age_seconds"] as? Int).map { $0 >= 0 && $0 < 600 } == true)
        #expect(Set(status.object.keys) == ["journal", "snapshot", "numbers", "outbox", "unroutable"])

        let snapshot = try await server.call("POST", "/admin/snapshot")
        #expect(snapshot.status == 200, "\(snapshot)")
        #expect(snapshot.object["sequence"] as? Int == 4)
        #expect((snapshot.object["bytes"] as? Int ?? 0) > 0)
        #expect(snapshot.object["millis"] is Double || snapshot.object["millis"] is Int)
        let after = try #require(try await server.get("/admin/status").object["snapshot"] as? [String: Any])
        #expect(after["sequence"] as? Int == 4 && after["bytes"] as? Int == snapshot.object["bytes"] as? Int)
        #expect((after["taken_at"] as? String)?.hasSuffix("Z") == true)

        let effects = try await server.get("/admin/effects")
        let list = try #require(effects.object["effects"] as? [[String: Any]])
        let provision = try #require(list.first { $0["kind"] as? String == "provision_number" }, "\(effects)")
        #expect(provision["status"] as? String == "pending" && provision["number"] as? String == "num_s1")
        #expect((provision["action"] as? [String: Any])?["sku_id"] as? String == "sku_us_1")
        let effectID = try #require(provision["id"] as? String)
        let anonymous = try await server.call("POST", "/admin/effects/\(effectID)/retry")
        #expect(anonymous.status == 400 && anonymous.error == "missing_operator", "\(anonymous)")
        let notFailed = try await server.call("POST", "/admin/effects/\(effectID)/retry", headers: ["X-Operator: alice"])
        #expect(notFailed.status == 409 && notFailed.error == "not_failed", "\(notFailed)")
        #expect(try await server.call("POST", "/admin/effects/num_s1:99:0/retry", headers: ["X-Operator: alice"]).status == 404)
        #expect(try await server.call("POST", "/admin/effects/garbage/retry", headers: ["X-Operator: alice"]).status == 404)
        #expect(try await server.get("/admin/effects?status=failed").object["effects"] as? [Any] != nil)
        #expect(try await server.get("/admin/effects?status=lost").status == 400)

        // After a restart the snapshot comes from the directory (its timing is unknown).
        try await server.restart()
        let restarted = try #require(try await server.get("/admin/status").object["snapshot"] as? [String: Any])
        #expect(restarted["sequence"] as? Int == 4 && restarted["millis"] is NSNull)
        try await server.finish()
    }

    @Test func parkedEventsAreListedAssignedAndDiscarded() async throws {
        let server = try await APIServer()
        #expect(try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_u1", customer: "cus_u")).status == 201)
        let now = Int64(Date().timeIntervalSince1970)
        // Invoices for subscriptions and customers no number is known by: journaled, acknowledged, parked.
        for eventID in ["evt_u1", "evt_u2"] {
            let answer = try await server.stripe(APIServer.invoice("invoice.paid", eventID, subscription: "sub_\(eventID)", customer: "cus_\(eventID)", created: now))
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        }
        let parked = try await server.get("/admin/unroutable")
        let items = try #require(parked.object["unroutable"] as? [[String: Any]])
        #expect(items.count == 2, "\(parked)")
        let first = try #require(items.first)
        #expect(first["channel"] as? String == "stripe" && first["event_id"] as? String == "evt_u1")
        #expect(first["kind"] as? String == "payment_succeeded")
        #expect((first["keys"] as? [String])?.contains("subscription:sub_evt_u1") == true)
        #expect((first["why"] as? String)?.isEmpty == false && (first["received_at"] as? String)?.hasSuffix("Z") == true)
        let firstID = try #require(first["id"] as? Int)
        let secondID = try #require(items.last?["id"] as? Int)
        #expect(try await server.get("/admin/status").object["unroutable"] as? Int == 2)

        let noOperator = try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"number": "num_u1"}"#)
        #expect(noOperator.status == 400 && noOperator.error == "missing_operator", "\(noOperator)")
        let blankOperator = try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"number": "num_u1"}"#, headers: ["X-Operator:  "])
        #expect(blankOperator.error == "missing_operator")
        let operatorHeader = ["X-Operator: alice@ops"]
        let badBody = try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"numbr": "num_u1"}"#, headers: operatorHeader)
        #expect(badBody.status == 400 && badBody.message.hasPrefix("numbr:"), "\(badBody)")
        #expect(try await server.call("POST", "/admin/unroutable/999999/assign", body: #"{"number": "num_u1"}"#, headers: operatorHeader).status == 404)
        let unknownNumber = try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"number": "num_typo"}"#, headers: operatorHeader)
        #expect(unknownNumber.status == 404 && unknownNumber.message.contains("num_typo"))

        let assigned = try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"number": "num_u1"}"#, headers: operatorHeader)
        #expect(assigned.status == 200, "\(assigned)")
        #expect(assigned.object["assigned"] as? Int == firstID)
        let number = try #require(assigned.object["number"] as? [String: Any])
        #expect(number["state"] as? String == "paid" && number["version"] as? Int == 2)
        #expect(try await server.call("POST", "/admin/unroutable/\(firstID)/assign", body: #"{"number": "num_u1"}"#, headers: operatorHeader).status == 404)

        #expect(try await server.call("POST", "/admin/unroutable/\(secondID)/discard").error == "missing_operator")
        let discarded = try await server.call("POST", "/admin/unroutable/\(secondID)/discard", headers: operatorHeader)
        #expect(discarded.status == 200 && discarded.object["discarded"] as? Int == secondID, "\(discarded)")
        #expect(try await server.call("POST", "/admin/unroutable/\(secondID)/discard", headers: operatorHeader).status == 404)
        #expect((try await server.get("/admin/unroutable").object["unroutable"] as? [Any])?.isEmpty == true)

        // Both decisions are journaled: they hold after a restart.
        try await server.restart()
        #expect((try await server.get("/admin/unroutable").object["unroutable"] as? [Any])?.isEmpty == true)
        #expect(try await server.get("/api/numbers/num_u1").object["state"] as? String == "paid")
        try await server.finish()
    }

    @Test func operatorHoldUnholdAndCancelAreJournaledWithTheOperator() async throws {
        let server = try await APIServer()
        #expect(try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_o1")).status == 201)
        for action in ["hold", "unhold", "cancel"] {
            let refused = try await server.call("POST", "/admin/numbers/num_o1/\(action)")
            #expect(refused.status == 400 && refused.error == "missing_operator", "\(action): \(refused)")
        }
        #expect(try await server.call("POST", "/admin/numbers/num_nobody/hold", headers: ["X-Operator: bob"]).status == 404)
        #expect(try await server.get("/api/numbers/num_o1").object["version"] as? Int == 1, "refusals change nothing")

        var versions: [Int] = []
        for action in ["hold", "unhold", "hold", "unhold"] {
            let reply = try await server.call("POST", "/admin/numbers/num_o1/\(action)", headers: ["X-Operator: bob"])
            #expect(reply.status == 200, "\(action): \(reply)")
            versions.append(reply.object["version"] as? Int ?? 0)
        }
        #expect(versions == [2, 3, 4, 5])
        let history = try await server.get("/api/numbers/num_o1/history?kind=events")
        let events = (history.object["history"] as? [[String: Any]] ?? []).map { $0["event"] as? String ?? "" }
        #expect(events == ["operator_unhold", "operator_hold", "operator_unhold", "operator_hold", "reserved"], "\(history)")
        // Four changes within about a second: each one the server acknowledged later holds (none is stale).
        let outcomes = (history.object["history"] as? [[String: Any]] ?? []).map { $0["outcome"] as? String ?? "" }
        #expect(outcomes.allSatisfy { $0 == "applied" }, "\(history)")

        let cancelled = try await server.call("POST", "/admin/numbers/num_o1/cancel", headers: ["X-Operator: bob"])
        #expect(cancelled.status == 200)
        #expect(cancelled.object["state"] as? String == "cancelled" && cancelled.object["state_reason"] as? String == "operator_cancel")
        #expect(cancelled.object["version"] as? Int == 6)

        // The version never goes down across a restart.
        try await server.restart()
        let recovered = try await server.get("/api/numbers/num_o1")
        #expect(recovered.object["version"] as? Int == 6 && recovered.object["state"] as? String == "cancelled", "\(recovered)")
        let later = try await server.call("POST", "/admin/numbers/num_o1/hold", headers: ["X-Operator: carol"])
        #expect(later.object["version"] as? Int == 7 && later.object["state"] as? String == "cancelled")
        try await server.finish()
    }
}
