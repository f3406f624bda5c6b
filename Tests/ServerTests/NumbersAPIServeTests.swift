import Foundation
import Server
import Testing

/// The numbers API end to end: the real binary, real curl, real files, restarts.
@Suite struct NumbersAPIServeTests {
    @Test func everyEndpointWantsTheBearerToken() async throws {
        let server = try await APIServer()
        for (method, path) in [("GET", "/api/numbers"), ("POST", "/api/numbers"), ("GET", "/api/numbers/num_x"),
                               ("GET", "/api/numbers/num_x/history"), ("PATCH", "/api/numbers/num_x/forwarding"),
                               ("GET", "/admin/status"), ("POST", "/admin/snapshot"), ("GET", "/admin/unroutable"),
                               ("GET", "/admin/effects"), ("POST", "/admin/numbers/num_x/hold")] {
            let missing = try await server.call(method, path, body: method == "GET" ? nil : "{}", token: nil)
            #expect(missing.status == 401 && missing.error == "unauthorized", "\(method) \(path): \(missing)")
            let wrong = try await server.call(method, path, body: method == "GET" ? nil : "{}", token: "nn_api_guess")
            #expect(wrong.status == 401 && wrong.error == "unauthorized", "\(method) \(path): \(wrong)")
        }
        // Unknown paths and methods come before the token.
        #expect(try await server.call("GET", "/api/numbers/num_x/nope", token: nil).status == 404)
        #expect(try await server.call("DELETE", "/api/numbers/num_x", token: nil).status == 405)
        // Both configured tokens work (rotation).
        #expect(try await server.call("GET", "/api/numbers", token: "nn_api_rotated").status == 200)
        try await server.finish()
    }

    @Test func reservationsAnswer201Then200Then409AndSurviveARestart() async throws {
        let server = try await APIServer()
        let body = APIServer.reservation("num_r1", forward: #"{"email": "owner@example.com", "webhook_url": "https://hooks.example.com/in"}"#)
        let created = try await server.call("POST", "/api/numbers", body: body)
        #expect(created.status == 201, "\(created)")
        let number = created.object
        #expect(number["id"] as? String == "num_r1")
        #expect(number["state"] as? String == "pending")
        #expect(number["version"] as? Int == 1)
        let forward = try #require(number["forward"] as? [String: Any])
        let secret = try #require(forward["webhook_secret"] as? String)
        #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
        let key = try FileManager.default.attributesOfItem(atPath: server.data.path + "/webhook-signing.key")
        #expect((key[.posixPermissions] as? Int) == 0o600)

        // The same body, spelled differently: 200, nothing journaled (version unchanged), the same secret.
        let respelled = """
        {"plan": {"overage": "bill", "included_sms": 500, "included_call_seconds": 6000}, "customer": "cus_1",
         "forward": {"webhook_url": "https://hooks.example.com/in", "email": "owner@example.com", "phone": null},
         "didww": {"sku_id": "sku_us_1"}, "e164": "+14155550100", "id": "num_r1"}
        """
        let again = try await server.call("POST", "/api/numbers", body: respelled)
        #expect(again.status == 200, "\(again)")
        #expect(again.object["version"] as? Int == 1)
        #expect((again.object["forward"] as? [String: Any])?["webhook_secret"] as? String == secret)
        // Another body for the same id: 409, nothing changed.
        let conflict = try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_r1", customer: "cus_2"))
        #expect(conflict.status == 409 && conflict.error == "conflict", "\(conflict)")
        let shown = try await server.get("/api/numbers/num_r1")
        #expect(shown.status == 200 && shown.object["customer"] as? String == "cus_1" && shown.object["version"] as? Int == 1)
        #expect((shown.object["forward"] as? [String: Any])?["webhook_secret"] == nil, "GET never shows the secret")

        // Bad input: 400 naming the field, nothing stored.
        let bad = try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_r2", e164: "+12"))
        #expect(bad.status == 400 && bad.error == "invalid_payload" && bad.message.hasPrefix("e164:"), "\(bad)")
        let badURL = try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_r2", forward: #"{"webhook_url": "ftp://x.example"}"#))
        #expect(badURL.status == 400 && badURL.message.hasPrefix("forward.webhook_url:"), "\(badURL)")
        #expect(try await server.call("POST", "/api/numbers", body: "{not json").error == "invalid_payload")
        #expect(try await server.get("/api/numbers/num_r2").status == 404)
        let unknown = try await server.get("/api/numbers/num_nobody")
        #expect(unknown.status == 404 && unknown.error == "not_found")

        // Without an id the server chooses one.
        let chosen = try await server.call("POST", "/api/numbers", body: APIServer.reservation(nil, e164: "+14155550199"))
        #expect(chosen.status == 201)
        let chosenID = try #require(chosen.object["id"] as? String)
        #expect(chosenID.hasPrefix("num_") && chosenID.count == 20)

        // PATCH forwarding: null clears, a new URL gets its own secret.
        let patched = try await server.call("PATCH", "/api/numbers/num_r1/forwarding",
                                            body: #"{"email": null, "webhook_url": "https://hooks.example.com/v2", "phone": "+14155550111"}"#)
        #expect(patched.status == 200, "\(patched)")
        let patchedForward = try #require(patched.object["forward"] as? [String: Any])
        #expect(patchedForward["email"] is NSNull)
        #expect(patchedForward["phone"] as? String == "+14155550111")
        let secretV2 = try #require(patchedForward["webhook_secret"] as? String)
        #expect(secretV2 != secret)
        #expect(patched.object["version"] as? Int == 2)
        let clearedOnly = try await server.call("PATCH", "/api/numbers/num_r1/forwarding", body: #"{"phone": null}"#)
        #expect(clearedOnly.status == 200 && clearedOnly.object["version"] as? Int == 3)
        #expect((clearedOnly.object["forward"] as? [String: Any])?["webhook_url"] as? String == "https://hooks.example.com/v2")
        #expect((clearedOnly.object["forward"] as? [String: Any])?["webhook_secret"] == nil)
        #expect(try await server.call("PATCH", "/api/numbers/num_r1/forwarding", body: #"{"phone": "555"}"#).message.hasPrefix("phone:"))
        #expect(try await server.call("PATCH", "/api/numbers/num_r1/forwarding", body: "{}").status == 400)
        #expect(try await server.call("PATCH", "/api/numbers/num_nobody/forwarding", body: #"{"phone": null}"#).status == 404)

        // After a restart: the same state and version, the same secret for the same URL.
        try await server.restart()
        let recovered = try await server.get("/api/numbers/num_r1")
        #expect(recovered.object["version"] as? Int == 3, "\(recovered)")
        let samePatch = try await server.call("PATCH", "/api/numbers/num_r1/forwarding", body: #"{"webhook_url": "https://hooks.example.com/v2"}"#)
        #expect(samePatch.status == 200)
        #expect((samePatch.object["forward"] as? [String: Any])?["webhook_secret"] as? String == secretV2)
        #expect(samePatch.object["version"] as? Int == 3, "an unchanged forwarding journals nothing")
        let repeated = try await server.call("POST", "/api/numbers", body: body)
        #expect(repeated.status == 200)
        #expect(try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_r1", customer: "cus_2")).status == 409)
        try await server.finish()
    }

    /// Concurrent reservations of one id: exactly one 201; the same body gets 200, another body 409.
    @Test func concurrentReservationsOfOneIDHaveOneWinner() async throws {
        let server = try await APIServer()
        let same = APIServer.reservation("num_c1")
        let sameStatuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await server.call("POST", "/api/numbers", body: same).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sameStatuses.sorted() == [200, 200, 200, 200, 200, 201], "\(sameStatuses)")
        #expect(try await server.get("/api/numbers/num_c1").object["version"] as? Int == 1, "one event for one reservation")

        let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<6 {
                group.addTask {
                    let customer = "cus_\(index)"
                    return (try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_c2", customer: customer)).status, customer)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.map(\.0).sorted() == [201, 409, 409, 409, 409, 409], "\(statuses)")
        let winner = try #require(statuses.first { $0.0 == 201 }?.1)
        #expect(try await server.get("/api/numbers/num_c2").object["customer"] as? String == winner)
        try await server.finish()
    }

    @Test func pagesWalkEveryNumberInIdOrderWithFilters() async throws {
        let server = try await APIServer()
        let ids = (1...7).map { "num_p\($0)" }
        for (index, id) in ids.shuffled().enumerated() {
            let customer = id == "num_p2" || id == "num_p5" ? "cus_b" : "cus_a"
            let reply = try await server.call("POST", "/api/numbers", body: APIServer.reservation(id, e164: "+1415555020\(index)", customer: customer))
            #expect(reply.status == 201)
        }
        // A number only a provider event named is listed too (no reservation yet): paid, customer null.
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try await server.stripe(APIServer.checkoutCompleted("evt_p8", number: "num_p8", customer: "cus_c", subscription: "sub_p8", created: now)).hasPrefix("HTTP/1.1 200"))
        #expect(try await server.stripe(APIServer.checkoutCompleted("evt_p3", number: "num_p3", customer: "cus_a", subscription: "sub_p3", created: now)).hasPrefix("HTTP/1.1 200"))

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let path = "/api/numbers?limit=3" + (cursor.map { "&cursor=" + $0 } ?? "")
            let page = try await server.get(path)
            #expect(page.status == 200, "\(page)")
            let numbers = page.object["numbers"] as? [[String: Any]] ?? []
            seen += numbers.compactMap { $0["id"] as? String }
            cursor = page.object["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == ids + ["num_p8"])
        #expect(pages == 3)

        let customerB = try await server.get("/api/numbers?customer=cus_b")
        #expect((customerB.object["numbers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["num_p2", "num_p5"])
        #expect(customerB.object["next_cursor"] is NSNull)
        let paid = try await server.get("/api/numbers?state=paid")
        #expect((paid.object["numbers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["num_p3", "num_p8"])
        let firstPaid = try await server.get("/api/numbers?state=paid&customer=cus_a&limit=1")
        #expect((firstPaid.object["numbers"] as? [[String: Any]])?.count == 1)
        #expect(firstPaid.object["next_cursor"] is NSNull, "no more paid numbers for cus_a")
        let pendingPage = try await server.get("/api/numbers?state=pending,paid&limit=4")
        let next = try #require(pendingPage.object["next_cursor"] as? String)
        let rest = try await server.get("/api/numbers?state=pending,paid&limit=4&cursor=" + next)
        #expect((rest.object["numbers"] as? [[String: Any]])?.count == 4)

        for (query, parameter) in [("limit=0", "limit"), ("limit=501", "limit"), ("state=lost", "state"), ("cursor=!!", "cursor")] {
            let reply = try await server.get("/api/numbers?" + query)
            #expect(reply.status == 400 && reply.error == "invalid_parameter" && reply.message.hasPrefix(parameter + ":"), "\(reply)")
        }
        try await server.finish()
    }

    @Test func historyShowsStripeEventsNewestFirstWithIgnoredReasons() async throws {
        let server = try await APIServer()
        #expect(try await server.call("POST", "/api/numbers", body: APIServer.reservation("num_h1", customer: "cus_h")).status == 201)
        let now = Int64(Date().timeIntervalSince1970)
        _ = try await server.stripe(APIServer.checkoutCompleted("evt_h1", number: "num_h1", customer: "cus_h", subscription: "sub_h", created: now - 30))
        _ = try await server.stripe(APIServer.invoice("invoice.payment_failed", "evt_h2", subscription: "sub_h", customer: "cus_h", created: now - 10))
        // Older than the failure already held: recorded as ignored (stale).
        _ = try await server.stripe(APIServer.invoice("invoice.payment_failed", "evt_h3", subscription: "sub_h", customer: "cus_h", created: now - 20))

        let number = try await server.get("/api/numbers/num_h1")
        #expect(number.object["version"] as? Int == 4, "\(number)")
        #expect((number.object["stripe"] as? [String: Any])?["subscription"] as? String == "sub_h")

        let history = try await server.get("/api/numbers/num_h1/history")
        #expect(history.status == 200)
        let entries = history.object["history"] as? [[String: Any]] ?? []
        // By event time: the reservation (the server's clock) is newer than the Stripe events (their `created`).
        #expect(entries.first?["event"] as? String == "reserved", "\(history)")
        #expect(entries.compactMap { $0["id"] as? String }.filter { $0.hasPrefix("evt_") } == ["evt_h2", "evt_h3", "evt_h1"], "\(history)")
        let stale = try #require(entries.first { $0["id"] as? String == "evt_h3" })
        #expect(stale["event"] as? String == "payment_failed")
        #expect(stale["outcome"] as? String == "ignored" && stale["reason"] as? String == "stale")
        let applied = entries.filter { $0["id"] as? String != "evt_h3" }
        #expect(applied.allSatisfy { $0["outcome"] as? String == "applied" && $0["reason"] is NSNull })

        let limited = try await server.get("/api/numbers/num_h1/history?kind=events&limit=2")
        #expect((limited.object["history"] as? [[String: Any]])?.count == 2)
        let calls = try await server.get("/api/numbers/num_h1/history?kind=calls,voicemail")
        #expect((calls.object["history"] as? [[String: Any]])?.isEmpty == true)
        let bad = try await server.get("/api/numbers/num_h1/history?kind=faxes")
        #expect(bad.status == 400 && bad.message.hasPrefix("kind:"))
        #expect(try await server.get("/api/numbers/num_nobody/history").status == 404)
        try await server.finish()
    }
}
