import Foundation
@testable import Server
import Testing

@Suite(.serialized) struct SimulatorStripeTests {
    static func start() throws -> (StripeSimulator, StripeClient) {
        let simulator = try StripeSimulator()
        let client = StripeClient(configuration: StripeClientConfiguration(baseURL: simulator.url, apiKey: simulator.apiKey), http: HTTPClient())
        return (simulator, client)
    }

    @Test func meterEventWithTheSameIdentifierCountsOnce() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        let event = StripeMeterEvent(eventName: "sms_over_limit", customerID: "cus_1", value: 3, identifier: "num_1:7:0", timestamp: 1_700_000_000)
        try await client.reportMeterEvent(event)
        try await client.reportMeterEvent(event)
        #expect(simulator.meterEvents.count == 1)
        #expect(simulator.meterEvents.first?.value == "3" && simulator.meterEvents.first?.customerID == "cus_1")
    }

    @Test func refundWithTheSameIdempotencyKeyRefundsOnce() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        simulator.registerPayment("pi_1", amount: 1500)
        let request = StripeRefundRequest(target: .paymentIntent("pi_1"), idempotencyKey: "num_1:4:0")
        let first = try await client.createRefund(request)
        let second = try await client.createRefund(request)
        #expect(first == second && first.amount == 1500 && first.status == "succeeded")
        #expect(simulator.refunds.count == 1)
        do {
            _ = try await client.createRefund(StripeRefundRequest(target: .paymentIntent("pi_1"), idempotencyKey: "another"))
            Issue.record("a second refund of a refunded payment must fail")
        } catch {
            #expect(error.code == "charge_already_refunded" && !error.isRetryable)
        }
    }

    @Test func undeliveredEventsArePagedNewestFirst() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        for index in 0..<5 { simulator.addEvent(id: "evt_\(index)", type: "invoice.paid", created: 1_700_000_000 + Int64(index)) }
        simulator.addEvent(id: "evt_ok", type: "invoice.paid", created: 1_800_000_000, deliverySuccess: true)
        let page = try await client.listEvents(limit: 2)
        #expect(page.events.map(\.id) == ["evt_4", "evt_3"] && page.hasMore)
        let all = try await client.undeliveredEvents()
        #expect(all.map(\.id) == ["evt_4", "evt_3", "evt_2", "evt_1", "evt_0"])
        let json = try JSONScanner.parse(all[0].json)
        #expect(json["type"]?.string == "invoice.paid")
    }

    @Test func serverErrorsAreRetryableAndBadRequestsPermanent() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        simulator.faults.failNext(1, status: 500)
        let event = StripeMeterEvent(eventName: "e", customerID: "cus", value: 1, identifier: "id-1")
        do { try await client.reportMeterEvent(event); Issue.record("expected 500") } catch { #expect(error.isRetryable && error.status == 500) }
        try await client.reportMeterEvent(event)
        do {
            _ = try await client.createRefund(StripeRefundRequest(target: .charge("bogus"), idempotencyKey: "k"))
            Issue.record("expected 400")
        } catch {
            #expect(!error.isRetryable && error.code == "resource_missing")
        }
        let wrongKey = StripeClient(configuration: StripeClientConfiguration(baseURL: simulator.url, apiKey: "sk_wrong"), http: HTTPClient())
        do { try await wrongKey.reportMeterEvent(event); Issue.record("expected 401") } catch { #expect(error.status == 401) }
    }
}

@Suite(.serialized) struct SimulatorBundleTests {
    @Test func bundleStartsAllFourAndReportsTheirSettings() async throws {
        let simulators = try ProviderSimulators(didwwCallbackSecret: "s")
        let names = simulators.environment.map(\.name)
        #expect(names.contains("NUMNINJA_DIDWW_API_URL") && names.contains("NUMNINJA_SMTP_URL"))
        #expect(simulators.summary.count == 4)
        let response = try await HTTPClient().execute(HTTPClientRequest(method: "POST", url: simulators.webhooks.url + "/x", body: [1]))
        #expect(response.status == 200)
        await simulators.shutdown()
    }
}
