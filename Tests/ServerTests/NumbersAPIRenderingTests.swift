import Foundation
import NumberActors
@testable import Server
import Testing

/// Cursors, list and history queries, history rendering, routes, and the customer webhook secret.
@Suite struct NumbersAPIRenderingTests {
    @Test(arguments: ["num_a", "num_8Jq2", "num_ü-ö", "n", String(repeating: "x", count: 100)])
    func cursorsRoundTrip(id: String) throws {
        let cursor = NumberCursor.encode(id)
        #expect(!cursor.contains("=") && !cursor.contains("+") && !cursor.contains("/"))
        #expect(NumberCursor.decode(cursor) == id)
    }

    /// Not base64url, a length base64 cannot have, leftover bits set, no `n:` tag, too long.
    @Test(arguments: ["", "!!!!", "a", "bjpudW1fYR", "eDpudW1fYQ", String(repeating: "A", count: 201)])
    func badCursorsAreRefused(cursor: String) {
        #expect(NumberCursor.decode(cursor) == nil, "\(cursor)")
        #expect(NumberCursor.decode("bjpudW1fYQ") == "num_a")
    }

    @Test func listQueries() throws {
        let query = try NumberListQuery.parse("customer=cus_1&state=active,suspended&limit=500&cursor=\(NumberCursor.encode("num_b"))")
        #expect(query.customer == "cus_1")
        #expect(query.states == [.active, .suspended])
        #expect(query.limit == 500)
        #expect(query.after == "num_b")
        #expect(try NumberListQuery.parse(nil).limit == 50)
        for (text, field) in [("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"),
                              ("state=gone", "state"), ("state=active,", "state"), ("cursor=%%%", "cursor"),
                              ("customer=", "customer"), ("sort=id", "sort")] {
            do {
                _ = try NumberListQuery.parse(Substring(text))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.field == field, "\(text): \(error.message)")
                #expect(error.code == "invalid_parameter")
            }
        }
    }

    @Test func historyQueries() throws {
        let query = try NumberHistoryQuery.parse("kind=calls,sms&limit=3")
        #expect(query.kinds == [.calls, .sms])
        #expect(query.limit == 3)
        #expect(try NumberHistoryQuery.parse(nil).kinds.count == 4)
        #expect(throws: RequestError.self) { try NumberHistoryQuery.parse("kind=faxes") }
        #expect(throws: RequestError.self) { try NumberHistoryQuery.parse("limit=0") }
    }

    /// A number with a reservation, a payment, an ignored stale event and traffic, through the real transition.
    static func numberWithHistory() -> NumberState {
        var state = NumberState(id: "num_h")
        var sequence: UInt64 = 0
        func apply(_ payload: DomainEventPayload, _ eventID: String, _ time: UnixSeconds, created: UnixSeconds? = nil) {
            sequence += 1
            let event = DomainEvent(numberID: "num_h", source: EventSource(eventID: eventID, created: created, time: time), payload: payload)
            state = NumberLifecycle.transition(state, event, at: JournalPosition(sequence: sequence, recordTime: time)).0
        }
        apply(.reserved(Reservation(e164: "+14155550100", customer: "cus_1", skuID: "s")), "rsv_1", 1_000)
        apply(.paymentFailed(subscriptionID: nil), "evt_new", 1_010, created: 1_010)
        apply(.paymentFailed(subscriptionID: nil), "evt_old", 1_020, created: 900)
        apply(.callRecorded(CallRecord(durationSeconds: 42, success: true, from: "+4930123456")), "cdr_1", 1_030)
        apply(.smsReceived(InboundSMS(from: "+4930123456", to: "+14155550100", text: "hi \"there\"")), "sms_1", 1_040)
        apply(.voicemailLeft(Voicemail(from: "+4930123456", seconds: 9, recordingURL: "https://rec.example/1")), "vm_1", 1_025)
        return state
    }

    @Test func historyIsNewestFirstWithKindFieldsAndReasons() throws {
        let state = Self.numberWithHistory()
        let text = NumberHistoryJSON.render(state, NumberHistoryQuery())
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(object["id"] as? String == "num_h")
        let entries = object["history"] as! [[String: Any]]
        let times = entries.map { $0["time"] as! String }
        #expect(times == times.sorted(by: >), "\(times)")
        // The newest second holds the SMS and the event that recorded it.
        let newest = entries.prefix(2)
        #expect(Set(newest.map { $0["kind"] as? String }) == ["sms", "event"])
        #expect(newest.contains { $0["text"] as? String == "hi \"there\"" && $0["to"] as? String == "+14155550100" })
        let stale = try #require(entries.first { $0["id"] as? String == "evt_old" })
        #expect(stale["kind"] as? String == "event")
        #expect(stale["event"] as? String == "payment_failed")
        #expect(stale["outcome"] as? String == "ignored")
        #expect(stale["reason"] as? String == "stale")
        let call = try #require(entries.first { $0["kind"] as? String == "call" })
        #expect(call["duration_seconds"] as? Int == 42)
        #expect(call["success"] as? Bool == true)
        #expect(call["from"] as? String == "+4930123456")
        let voicemail = try #require(entries.first { $0["kind"] as? String == "voicemail" })
        #expect(voicemail["recording_url"] as? String == "https://rec.example/1")
        #expect(voicemail["time"] as? String == "1970-01-01T00:17:05Z")
        // Events: one entry per applied event (6), plus a call, an SMS and a voicemail.
        #expect(entries.count == 9)
        let reserved = try #require(entries.last)
        #expect(reserved["event"] as? String == "reserved" && reserved["reason"] is NSNull && reserved["version"] as? Int == 1)

        let callsOnly = NumberHistoryJSON.render(state, NumberHistoryQuery(kinds: [.calls, .voicemail], limit: 1))
        let page = (try JSONSerialization.jsonObject(with: Data(callsOnly.utf8)) as! [String: Any])["history"] as! [[String: Any]]
        #expect(page.count == 1)
        #expect(page[0]["kind"] as? String == "call")
    }

    @Test func routesAnswer404And405InOrder() {
        #expect(NumbersEndpoints.route(method: "GET", path: "/api/numbers") == .success(.list))
        #expect(NumbersEndpoints.route(method: "POST", path: "/api/numbers") == .success(.create))
        #expect(NumbersEndpoints.route(method: "GET", path: "/api/numbers/num_1") == .success(.show("num_1")))
        #expect(NumbersEndpoints.route(method: "GET", path: "/api/numbers/num%5F1/history") == .success(.history("num_1")))
        #expect(NumbersEndpoints.route(method: "PATCH", path: "/api/numbers/num_1/forwarding") == .success(.forwarding("num_1")))
        #expect(NumbersEndpoints.route(method: "GET", path: "/api/numbers/num_1/stream") == .success(.numberStream("num_1")))
        #expect(NumbersEndpoints.route(method: "GET", path: "/api/stream") == .success(.allStream))
        for (method, path, status) in [("DELETE", "/api/numbers", 405), ("POST", "/api/numbers/num_1", 405),
                                       ("GET", "/api/numbers/num_1/forwarding", 405), ("GET", "/api/numbers/", 404),
                                       ("GET", "/api/numbers/num_1/calls", 404), ("GET", "/api/numbers/num_1/history/x", 404),
                                       ("GET", "/api/numbers/%zz", 404), ("POST", "/api/stream", 405),
                                       ("HEAD", "/api/numbers", 405)] {
            guard case .failure(let response) = NumbersEndpoints.route(method: method, path: Substring(path)) else {
                Issue.record("\(method) \(path) matched")
                continue
            }
            #expect(response.status == status, "\(method) \(path)")
        }
        #expect(AdminEndpoints.route(method: "POST", path: "/admin/numbers/num_1/hold") == .success(.numberAction("num_1", .hold)))
        #expect(AdminEndpoints.route(method: "POST", path: "/admin/unroutable/12/assign") == .success(.assign(12)))
        #expect(AdminEndpoints.route(method: "POST", path: "/admin/effects/num_1:3:0/retry") == .success(.retry("num_1:3:0")))
        for (method, path, status) in [("GET", "/admin/snapshot", 405), ("POST", "/admin/status", 405),
                                       ("POST", "/admin/numbers/num_1/freeze", 404), ("POST", "/admin/unroutable/x/assign", 404),
                                       ("POST", "/admin/unroutable/012/assign", 404), ("GET", "/admin/numbers/num_1/hold", 405),
                                       ("GET", "/admin/", 404), ("HEAD", "/admin/status", 405)] {
            guard case .failure(let response) = AdminEndpoints.route(method: method, path: Substring(path)) else {
                Issue.record("\(method) \(path) matched")
                continue
            }
            #expect(response.status == status, "\(method) \(path)")
        }
    }

    @Test func effectIDsParseFromTheRight() {
        #expect(EffectJSON.parseID("num_1:3:0") == EffectID(numberID: "num_1", version: 3, index: 0))
        #expect(EffectJSON.parseID("a:b:7:1") == EffectID(numberID: "a:b", version: 7, index: 1))
        #expect(EffectJSON.parseID("num_1:x:0") == nil)
        #expect(EffectJSON.parseID(":3:0") == nil)
    }

    @Test func webhookSecretsAreStableDerivedAndPrivate() throws {
        let directory = NSTemporaryDirectory() + "nn-whkey-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secrets = CustomerWebhookSecret(directory: directory)
        let first = try secrets.secret(numberID: "num_1", url: "https://a.example/hook")
        #expect(first.hasPrefix("whsec_"))
        let key = try #require(Data(base64Encoded: String(first.dropFirst(6))))
        #expect(key.count == 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: secrets.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Another instance (a restart) reads the same key back: the same secret.
        let fileKey = try CustomerWebhookSecret.load(secrets.path)
        #expect(try CustomerWebhookSecret.loadOrCreate(path: secrets.path, directory: directory) == fileKey)
        let expected = "whsec_" + Base64.encode(CustomerWebhookSecret.hmacSHA256(key: fileKey, message: Array("num_1\nhttps://a.example/hook".utf8)))
        #expect(first == expected)
        #expect(try secrets.secret(numberID: "num_1", url: "https://b.example/hook") != first)
        #expect(try secrets.secret(numberID: "num_2", url: "https://a.example/hook") != first)
        // A damaged key file is refused, never replaced.
        let damaged = directory + "/damaged"
        try FileManager.default.createDirectory(atPath: damaged, withIntermediateDirectories: true)
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: damaged + "/" + CustomerWebhookSecret.fileName))
        #expect(throws: (any Error).self) { try CustomerWebhookSecret(directory: damaged).secret(numberID: "n", url: "https://x.example") }
        #expect(try String(contentsOfFile: damaged + "/" + CustomerWebhookSecret.fileName, encoding: .utf8) == "short\n")
    }
}
