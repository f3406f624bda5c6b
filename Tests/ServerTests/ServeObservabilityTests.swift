import Foundation
import Server
import Snapshot
import Synchronization
import Testing

/// Live streams and metrics through the real `numninja serve` binary, signed Stripe webhooks and real sockets.
@Suite struct ServeObservabilityTests {
    static let apiToken = "api-token-for-stream-tests"

    struct Running {
        let process: Process
        let address: String
        let port: Int
        let secret: String
        let data: DataDirectory
    }

    static func start() async throws -> Running {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-serve-live-\(UInt64.random(in: 0...UInt64.max))")
        let secret = "whsec_live_\(UInt64.random(in: 0...UInt64.max))"
        let (process, address, _) = try await ServeCommandTests.startServe(
            data: data, environment: ["NUMNINJA_STRIPE_WEBHOOK_SECRETS": secret, "NUMNINJA_API_TOKEN": apiToken])
        let port = try #require(Int(address.split(separator: ":").last ?? ""))
        return Running(process: process, address: address, port: port, secret: secret, data: data)
    }

    static func fixture(_ name: String) -> [UInt8] {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return Array(try! Data(contentsOf: url.appendingPathComponent("Fixtures/stripe/\(name).json")))
    }

    /// `customer.subscription.updated` for `num_example` under a fresh event id, so each one is journaled.
    static func subscriptionUpdate(_ index: Int) -> [UInt8] {
        let text = String(decoding: fixture("customer.subscription.updated"), as: UTF8.self)
        return Array(text.replacingOccurrences(of: "evt_1Pgc76B7WZ01zgkWwyRHSUBU", with: "evt_update_\(index)").utf8)
    }

    /// A signed webhook on a keep-alive connection; answers the status.
    static func post(_ body: [UInt8], on client: RawClient, secret: String) throws -> Int {
        let header = StripeSignature.header(payload: body, secrets: [secret], timestamp: Int64(Date().timeIntervalSince1970))
        let head = "POST /api/webhooks/stripe HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + "Stripe-Signature: \(header)\r\nContent-Length: \(body.count)\r\n\r\n"
        try client.send(Array(head.utf8) + body)
        return try client.readResponse().status
    }

    static func openStream(port: Int, _ target: String, receiveBuffer: Int32? = nil) async throws -> (RawClient, RawResponse) {
        let client = try RawClient(port: port, receiveBuffer: receiveBuffer)
        try client.send("GET \(target) HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(apiToken)\r\n\r\n")
        let head = try await onThread { try client.readResponse() }
        return (client, head)
    }

    /// The `"version":N` of a Server-Sent Event's number.
    static func version(_ event: String) -> Int? {
        guard let range = event.range(of: "\"version\":") else { return nil }
        return Int(event[range.upperBound...].prefix { $0.isNumber })
    }

    static func scrape(_ address: String) async throws -> [String: Double] {
        let result = try await curl(["http://\(address)/metrics"])
        return try PrometheusParser.parse(result.output)
    }

    @Test func aStreamSendsTheNumberThenEachChangeWithinMilliseconds() async throws {
        let server = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: server.data.path) }
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let webhooks = try RawClient(port: server.port)
        #expect(try await onThread { try Self.post(Self.fixture("checkout.session.completed"), on: webhooks, secret: server.secret) } == 200)

        let (stream, head) = try await Self.openStream(port: server.port, "/api/numbers/num_example/stream")
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/event-stream")
        let initial = try await onThread { try stream.read(until: "\n\n") }
        #expect(initial.contains("event: number\ndata: {\"id\":\"num_example\""), "\(initial)")
        #expect(initial.contains("\"version\":1,"))

        let sent = ContinuousClock.now
        #expect(try await onThread { try Self.post(Self.subscriptionUpdate(1), on: webhooks, secret: server.secret) } == 200)
        let change = try await onThread { try stream.read(until: "\n\n") }
        let latency = ContinuousClock.now - sent
        #expect(change.contains("\"version\":2,"), "\(change)")
        #expect(latency < .seconds(1), "the change took \(latency)")

        // ?access_token= works too (EventSource cannot send headers); an unknown customer has an empty stream.
        let byQuery = try RawClient(port: server.port)
        try byQuery.send(get("/api/stream?customer=cus_nobody&access_token=\(Self.apiToken)"))
        #expect(try await onThread { try byQuery.readResponse() }.status == 200)
        let unauthorized = try await curl(["-i", "http://\(server.address)/api/numbers/num_example/stream"])
        #expect(unauthorized.output.hasPrefix("HTTP/1.1 401"))
        let unknown = try await curl(["-i", "-H", "Authorization: Bearer \(Self.apiToken)", "http://\(server.address)/api/numbers/num_nope/stream"])
        #expect(unknown.output.hasPrefix("HTTP/1.1 404"))
        let noCustomer = try await curl(["-i", "-H", "Authorization: Bearer \(Self.apiToken)", "http://\(server.address)/api/stream"])
        #expect(noCustomer.output.hasPrefix("HTTP/1.1 400"))
        #expect(try await Self.scrape(server.address)["numninja_sse_clients"] == 2)
        stream.close()
        byQuery.close()
        #expect(try await ServeCommandTests.stop(server.process) == 0)
    }

    @Test func aStreamClientThatNeverReadsIsDroppedWhileWebhooksStayFast() async throws {
        let server = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: server.data.path) }
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let webhooks = try RawClient(port: server.port)
        #expect(try await onThread { try Self.post(Self.fixture("checkout.session.completed"), on: webhooks, secret: server.secret) } == 200)
        let (slow, _) = try await Self.openStream(port: server.port, "/api/numbers/num_example/stream", receiveBuffer: 4096)
        let (reader, _) = try await Self.openStream(port: server.port, "/api/numbers/num_example/stream")
        // The reading client reads as events come, keeping the last version it saw.
        let lastSeen = Atomic<Int>(0)
        let readerDone = Task {
            try? await onThread {
                while true {
                    let event = try reader.read(until: "\n\n")
                    if let version = Self.version(event) { lastSeen.store(version, ordering: .releasing) }
                }
            }
        }
        // Webhooks in batches until the slow client is gone; each one timed from send to acknowledgement.
        var slowest = Duration.zero
        var posted = 0
        var clients = 2.0
        while clients == 2, posted < 6000 {
            let batch = posted
            let worst = try await onThread { () -> Duration in
                var worst = Duration.zero
                for index in batch..<batch + 200 {
                    let started = ContinuousClock.now
                    guard try Self.post(Self.subscriptionUpdate(index), on: webhooks, secret: server.secret) == 200 else {
                        throw ClientError("webhook \(index) was not acknowledged")
                    }
                    worst = max(worst, ContinuousClock.now - started)
                }
                return worst
            }
            slowest = max(slowest, worst)
            posted += 200
            clients = try await Self.scrape(server.address)["numninja_sse_clients"] ?? -1
        }
        #expect(clients == 1, "the slow client was still connected after \(posted) webhooks")
        #expect(slowest < .seconds(1), "slowest acknowledgement \(slowest)")
        // The client that reads saw every version up to the last.
        let last = posted + 1
        #expect(await eventually { lastSeen.load(ordering: .acquiring) == last }, "reader at \(lastSeen.load(ordering: .acquiring))")
        shutdown(reader.fd, Int32(SHUT_RDWR))
        await readerDone.value
        slow.close()
        reader.close()
        #expect(try await ServeCommandTests.stop(server.process) == 0)
    }

    @Test func shutdownWithOpenStreamsExitsPromptly() async throws {
        let server = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: server.data.path) }
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let webhooks = try RawClient(port: server.port)
        #expect(try await onThread { try Self.post(Self.fixture("checkout.session.completed"), on: webhooks, secret: server.secret) } == 200)
        webhooks.close()
        var streams: [RawClient] = []
        for _ in 0..<3 {
            let (client, head) = try await Self.openStream(port: server.port, "/api/numbers/num_example/stream")
            #expect(head.status == 200)
            _ = try await onThread { try client.read(until: "\n\n") }
            streams.append(client)
        }
        let started = ContinuousClock.now
        #expect(try await ServeCommandTests.stop(server.process) == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
        // Each stream ended cleanly (the last chunk), not cut.
        for client in streams { #expect(try await onThread { try client.readUntilEndOfFile() }.hasSuffix("0\r\n\r\n")) }
    }

    @Test func metricsCountWhatHappened() async throws {
        let server = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: server.data.path) }
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let body = Self.fixture("checkout.session.completed")
        let webhooks = try RawClient(port: server.port)
        for _ in 0..<2 { #expect(try await onThread { try Self.post(body, on: webhooks, secret: server.secret) } == 200) }
        #expect(try await onThread { try Self.post(body, on: webhooks, secret: "whsec_wrong") } == 400)
        webhooks.close()

        let response = try await curl(["-i", "http://\(server.address)/metrics"])
        #expect(response.output.hasPrefix("HTTP/1.1 200"))
        #expect(response.output.lowercased().contains("content-type: text/plain; version=0.0.4"))
        let samples = try await Self.scrape(server.address)
        #expect(samples["numninja_webhooks_total|outcome=accepted,source=stripe"] == 1)
        #expect(samples["numninja_webhooks_total|outcome=duplicate,source=stripe"] == 1)
        #expect(samples["numninja_webhooks_total|outcome=rejected,source=stripe"] == 1)
        #expect(samples["numninja_ingest_latency_seconds_count"] == 2)
        #expect((samples["numninja_journal_batch_records_sum"] ?? 0) >= 1)
        #expect((samples["numninja_journal_fsync_seconds_count"] ?? 0) >= 1)
        let numbers = samples.filter { $0.key.hasPrefix("numninja_numbers|") }
        #expect(numbers.count == 7 && numbers.values.reduce(0, +) == 1)
        #expect(samples["numninja_http_requests_total|status=200"] == 3)  // two webhooks and the first scrape
        #expect(samples["numninja_http_requests_total|status=400"] == 1)
        #expect(samples["numninja_ready"] == 1)
        #expect(samples["numninja_outbox_pending"] != nil && samples["numninja_snapshot_last_seconds"] != nil)
        #expect(samples["numninja_unroutable_parked"] == 0 && samples["numninja_dedupe_evicted_early_total"] == 0)
        #expect(try await ServeCommandTests.stop(server.process) == 0)
    }
}
