import Foundation
import NumberActors
@testable import Server
import Snapshot
import Testing

/// The routes with a real engine in this process, where a test can reserve numbers directly (the
/// reservation API has its own tests) and read the log lines.
final class LiveService: Sendable {
    static let apiToken = "api-secret-token-456"
    static let inboundToken = "inbound-secret-token-123"
    static let stripeSecret = "whsec_secret_for_tests_789"

    let context: ServiceContext
    let engine: NumberEngine
    let server: HTTPServer
    let log: MemoryLog
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "nn-live-\(UInt64.random(in: 0...UInt64.max))"
        let settings = try ServeSettings(flags: ["data-dir": directory], environment: { _ in nil })
        let secrets = ServiceSecrets(stripe: [Self.stripeSecret], didww: ["didww-secret"], inbound: [Self.inboundToken],
                                     api: [Self.apiToken])
        log = MemoryLog()
        context = ServiceContext(settings: settings, secrets: secrets, logger: Logger(level: .info, handler: log))
        let options = ServeCommand.engineOptions(settings, metrics: context.metrics, changes: context.changes)
        engine = try NumberEngine.open(DataDirectory(directory), options: options)
        context.becomeReady(engine)
        let routes = Routes(context: context)
        let requestLog = RequestLog(logger: context.logger, metrics: context.metrics)
        server = try HTTPServer(configuration: testConfiguration()) { request in
            await requestLog.respond(to: request) { await routes.respond(to: $0) }
        }
    }

    var address: String { "127.0.0.1:\(server.port)" }

    func stop() async {
        context.beginStopping()
        await server.shutdown()
        engine.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func reserve(_ id: String, customer: String) async throws {
        let reservation = Reservation(e164: "+1415555\(String(id.hashValue & 0xFFF))", customer: customer, skuID: "sku_1")
        _ = try await engine.ingest(IncomingEvent(channel: "api", numberID: id, source: EventSource(eventID: "reserve-\(id)", time: 1_767_000_000),
                                                  payload: .reserved(reservation)))
    }

    func forward(_ id: String, email: String) async throws {
        _ = try await engine.ingest(IncomingEvent(channel: "api", numberID: id,
                                                  source: EventSource(eventID: "forward-\(id)-\(email)", time: 1_767_000_100),
                                                  payload: .forwardingChanged(Forwarding(email: email))))
    }

    /// A raw client that asked for `target` and read the head of the answer.
    func openStream(_ target: String, headers: String = "") async throws -> (RawClient, RawResponse) {
        let client = try RawClient(port: server.port)
        try client.send("GET \(target) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n")
        let head = try await onThread { try client.readResponse() }
        return (client, head)
    }
}

@Suite struct NumberStreamsTests {
    static let bearer = "Authorization: Bearer \(LiveService.apiToken)\r\n"

    /// The `data:` JSON of the next `event: number`.
    static func nextNumber(_ client: RawClient) async throws -> [String: Any] {
        let text = try await onThread { try client.read(until: "\n\n") }
        let data = try #require(text.components(separatedBy: "event: number\ndata: ").last?.components(separatedBy: "\n").first)
        return try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
    }

    @Test func aCustomerStreamSendsItsNumbersThenTheirChangesAndNoOneElses() async throws {
        let service = try LiveService()
        try await service.reserve("num_a", customer: "cus_1")
        try await service.reserve("num_b", customer: "cus_1")
        try await service.reserve("num_c", customer: "cus_2")
        let (client, head) = try await service.openStream("/api/stream?customer=cus_1&access_token=\(LiveService.apiToken)")
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/event-stream")
        let first = try await Self.nextNumber(client)
        let second = try await Self.nextNumber(client)
        #expect(Set([first["id"] as? String, second["id"] as? String]) == ["num_a", "num_b"])
        #expect(first["customer"] as? String == "cus_1")

        try await service.forward("num_c", email: "c@example.com")  // another customer's: not sent
        try await service.reserve("num_d", customer: "cus_1")        // a new number of this customer: sent
        try await service.forward("num_a", email: "a@example.com")
        let third = try await Self.nextNumber(client)
        #expect(third["id"] as? String == "num_d")
        let fourth = try await Self.nextNumber(client)
        #expect(fourth["id"] as? String == "num_a")
        #expect(fourth["version"] as? Int == 2)
        #expect((fourth["forward"] as? [String: Any])?["email"] as? String == "a@example.com")
        #expect(service.context.metrics.sseClients.load(ordering: .relaxed) == 1)
        client.close()
        #expect(await eventually { service.context.changes.subscriberCount == 0 })
        #expect(service.context.metrics.sseClients.load(ordering: .relaxed) == 0)
        await service.stop()
    }

    @Test func aNumberStreamSendsEachVersionOnceInOrder() async throws {
        let service = try LiveService()
        try await service.reserve("num_a", customer: "cus_1")
        let (client, _) = try await service.openStream("/api/numbers/num_a/stream", headers: Self.bearer)
        #expect(try await Self.nextNumber(client)["version"] as? Int == 1)
        for index in 0..<20 { try await service.forward("num_a", email: "a\(index)@example.com") }
        for version in 2...21 { #expect(try await Self.nextNumber(client)["version"] as? Int == version) }
        client.close()
        await service.stop()
    }

    @Test func tokensAndParametersAreChecked() async throws {
        let service = try LiveService()
        try await service.reserve("num_a", customer: "cus_1")
        let noToken = try await curl(["-i", "http://\(service.address)/api/numbers/num_a/stream"])
        #expect(noToken.output.hasPrefix("HTTP/1.1 401"))
        let wrong = try await curl(["-i", "-H", "Authorization: Bearer nope", "http://\(service.address)/api/stream?customer=cus_1"])
        #expect(wrong.output.hasPrefix("HTTP/1.1 401"))
        let wrongQuery = try await curl(["-i", "http://\(service.address)/api/stream?customer=cus_1&access_token=nope"])
        #expect(wrongQuery.output.hasPrefix("HTTP/1.1 401"))
        let unknown = try await curl(["-i", "-H", "Authorization: Bearer \(LiveService.apiToken)",
                                      "http://\(service.address)/api/numbers/num_zzz/stream"])
        #expect(unknown.output.hasPrefix("HTTP/1.1 404") && unknown.output.contains("\"not_found\""))
        let noCustomer = try await curl(["-i", "-H", "Authorization: Bearer \(LiveService.apiToken)", "http://\(service.address)/api/stream"])
        #expect(noCustomer.output.hasPrefix("HTTP/1.1 400"))
        #expect(service.context.changes.subscriberCount == 0)
        await service.stop()
    }

    @Test func withNobodyWatchingPublishingCostsAlmostNothing() throws {
        let feed = NumberChangeFeed()
        let state = NumberState(id: "num_a")
        let clock = ContinuousClock()
        let elapsed = clock.measure { for _ in 0..<1_000_000 { feed.publish(state) } }
        // One atomic load each: far under a microsecond even on a busy machine.
        #expect(elapsed < .seconds(1), "\(elapsed) for a million publishes")
    }
}

/// The access log and request ids: one JSON line per request, never a secret.
@Suite struct RequestLogTests {
    @Test func secretsInHeadersAndQueriesNeverReachTheLog() async throws {
        let service = try LiveService()
        try await service.reserve("num_a", customer: "cus_1")
        let address = service.address
        let signature = "t=1767000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
        _ = try await curl(["-H", "Stripe-Signature: \(signature)", "-H", "X-NumNinja-Token: \(LiveService.inboundToken)",
                            "--data-binary", "{\"secret\": \"\(LiveService.stripeSecret)\"}", "http://\(address)/api/webhooks/stripe"])
        _ = try await curl(["http://\(address)/api/webhooks/didww/sms?token=\(LiveService.inboundToken)&text=hello"])
        _ = try await curl(["-H", "X-NumNinja-Token: \(LiveService.inboundToken)", "-X", "POST", "http://\(address)/api/webhooks/voice"])
        _ = try await curl(["-H", "Authorization: Bearer \(LiveService.apiToken)", "http://\(address)/api/numbers/num_zzz/stream"])
        _ = try await curl(["http://\(address)/metrics?access_token=\(LiveService.apiToken)"])
        let (stream, _) = try await service.openStream("/api/numbers/num_a/stream?access_token=\(LiveService.apiToken)")
        stream.close()
        #expect(await eventually { service.log.lines.contains { $0.contains("\"stream closed\"") } })
        await service.stop()

        let lines = service.log.lines
        #expect(lines.filter { $0.contains("\"msg\":\"request\"") }.count == 6)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["ts"] is String && object?["level"] is String, "\(line)")
            for secret in [LiveService.apiToken, LiveService.inboundToken, LiveService.stripeSecret, "5257a869e7ecebeda3", "token=", "?"] {
                #expect(!line.contains(secret), "log line leaks \(secret): \(line)")
            }
        }
        #expect(lines.contains { $0.contains("\"path\":\"/api/numbers/num_a/stream\"") && $0.contains("\"stream\":true") })
        #expect(lines.contains { $0.contains("\"path\":\"/metrics\"") && $0.contains("\"status\":200") })
    }

    @Test func aSaneRequestIdIsEchoedAndAnyOtherReplaced() async throws {
        let service = try LiveService()
        let given = try await curl(["-i", "-H", "X-Request-Id: req-42.a_b:c", "http://\(service.address)/healthz"])
        #expect(given.output.contains("X-Request-Id: req-42.a_b:c\r\n"))
        let odd = try await curl(["-i", "-H", "X-Request-Id: <script>", "http://\(service.address)/healthz"])
        let echoed = try #require(odd.output.components(separatedBy: "X-Request-Id: ").last?.prefix(16))
        #expect(echoed.allSatisfy(\.isHexDigit) && echoed.count == 16)
        let none = try await curl(["-i", "http://\(service.address)/healthz"])
        #expect(none.output.contains("X-Request-Id: "))
        await service.stop()
        let lines = service.log.lines
        #expect(lines.contains { $0.contains("\"request_id\":\"req-42.a_b:c\"") })
        #expect(lines.contains { $0.contains("\"request_id\":\"\(echoed)\"") })
        #expect(!lines.contains { $0.contains("script") })
    }

    @Test func aDisabledLoggerBuildsNothing() {
        let log = MemoryLog()
        let logger = Logger(level: .warn, handler: log)
        logger.info("never", [("field", .string({ () -> String in Issue.record("fields built while disabled"); return "" }()))])
        logger.warn("kept", [("n", .int(3)), ("quote", .string("a\"b\n"))])
        #expect(log.lines.count == 1)
        #expect(log.lines[0].hasSuffix("\"level\":\"warn\",\"msg\":\"kept\",\"n\":3,\"quote\":\"a\\\"b\\n\"}"))
        var stamp: [UInt8] = []
        Logger.appendTimestamp(timespec(tv_sec: 1_767_225_600, tv_nsec: 7_000_000), to: &stamp)
        #expect(String(decoding: stamp, as: UTF8.self) == "2026-01-01T00:00:00.007Z")
        var control: [UInt8] = []
        Logger.appendQuoted("tab\there \u{1} é", to: &control)
        #expect(String(decoding: control, as: UTF8.self) == "\"tab\\there \\u0001 é\"")
    }
}

@Suite struct EngineGaugesTests {
    /// The numbers-per-state gauges are computed at scrape time: one actor call per number. Measured here
    /// (debug build) so a change that makes it expensive shows.
    @Test func aScrapeReadsEveryNumberCheaply() async throws {
        let service = try LiveService()
        let count = 20_000
        let events = (0..<count).map { index in
            IncomingEvent(channel: "api", numberID: "num_\(index)", source: EventSource(eventID: "reserve-\(index)", time: 1_767_000_000),
                          payload: .reserved(Reservation(e164: "+1415\(1_000_000 + index)", customer: "cus_\(index % 100)", skuID: "sku")))
        }
        _ = try await service.engine.ingest(events)
        let clock = ContinuousClock()
        var gauges = EngineGauges()
        let elapsed = await clock.measure { gauges = await EngineGauges.collect(service.engine) }
        print("EngineGauges.collect: \(elapsed) for \(count) numbers")
        #expect(gauges.numbersByState.values.reduce(0, +) == count)
        #expect(elapsed < .seconds(2), "\(elapsed) for \(count) numbers")
        await service.stop()
    }
}
