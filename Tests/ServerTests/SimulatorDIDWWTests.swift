import Foundation
@testable import Server
import Testing

@Suite(.serialized) struct SimulatorDIDWWTests {
    static let secret = "test-callback-secret"

    static func start(delay: Duration = .milliseconds(20)) throws -> (DIDWWSimulator, DIDWWClient) {
        let simulator = try DIDWWSimulator(configuration: .init(callbackSecret: secret, callbackDelay: delay))
        let client = DIDWWClient(configuration: DIDWWClientConfiguration(baseURL: simulator.apiURL, apiKey: simulator.configuration.apiKey),
                                 http: HTTPClient(configuration: HTTPClientConfiguration(totalTimeout: .seconds(5))))
        return (simulator, client)
    }

    @Test func completedOrderCallsBackSignedAndTheDIDCanBeRoutedAndReleased() async throws {
        let (simulator, client) = try Self.start()
        let receiver = try RecordingServer()
        defer { Task { await simulator.shutdown(); await receiver.server.shutdown() } }
        simulator.registerAvailableDID(id: "avail-1", number: "+4930123456")
        let callbackURL = receiver.url + "/api/webhooks/didww?number=num_1"
        let order = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "sku-de", availableDIDID: "avail-1")],
                                                                   callbackURL: callbackURL, externalReferenceID: "num_1:1"))
        #expect(order.isPending && order.externalReferenceID == "num_1:1")
        #expect(await eventually { receiver.received.count == 1 })
        let callback = try #require(receiver.received.first)
        let pairs = DIDWWSignature.decodeForm(callback.body)
        #expect(pairs.contains(DIDWWPair("status", "completed")) && pairs.contains(DIDWWPair("did_number", "4930123456")))
        let verdict = DIDWWSignatureVerifier(secrets: [Self.secret])
            .verify(url: callbackURL, pairs: pairs, signature: callback.headers["X-DIDWW-Signature"])
        #expect(verdict.isVerified)

        #expect(try await client.order(id: order.id).isCompleted)
        let did = try #require(try await client.dids(orderID: order.id).first)
        #expect(did.number == "4930123456" && did.orderID == order.id)
        #expect(try await client.assignVoiceTrunk(didID: did.id, trunkID: "trunk-1").voiceInTrunkID == "trunk-1")
        #expect(try await client.terminateDID(id: did.id).terminated)
        #expect(try await client.listDIDs(DIDWWDIDFilter(terminated: true)).totalRecords == 1)
    }

    @Test func sameExternalReferenceCreatesOneOrder() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        let request = DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "sku", quantity: 1)], externalReferenceID: "num_9:3")
        let first = try await client.createOrder(request)
        let second = try await client.createOrder(request)
        #expect(first.id == second.id && simulator.orders.count == 1)
        #expect(try await client.findOrder(externalReferenceID: "num_9:3")?.id == first.id)
        #expect(try await client.findOrder(externalReferenceID: "other") == nil)
    }

    @Test func canceledSKUCallsBackCanceledAndPendingOrdersCanBeCancelled() async throws {
        let (simulator, client) = try Self.start(delay: .seconds(30))
        let receiver = try RecordingServer()
        defer { Task { await simulator.shutdown(); await receiver.server.shutdown() } }
        let order = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "s")], callbackURL: receiver.url + "/cb"))
        try await client.cancelOrder(id: order.id)
        #expect(try await client.order(id: order.id).isCanceled)
        #expect(await eventually { receiver.received.count == 1 })
        #expect(DIDWWSignature.decodeForm(receiver.received[0].body).contains(DIDWWPair("status", "canceled")))
        try await client.cancelOrder(id: order.id)  // cancelling again changes nothing
        #expect(receiver.received.count == 1)
    }

    @Test func cancelOutcomeCancelsTheOrderAfterTheDelay() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        simulator.setOutcome(.cancel, forSKU: "sold-out")
        let order = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "sold-out")]))
        #expect(await eventually { simulator.orders.first?.status == "canceled" })
        #expect(try await client.dids(orderID: order.id).isEmpty)
    }

    @Test func serverErrorIsRetryableAndInsufficientBalancePermanent() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        simulator.setOutcome(.serverError, forSKU: "flaky")
        simulator.setOutcome(.insufficientBalance, forSKU: "pricey")
        do {
            _ = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "flaky")]))
            Issue.record("expected 500")
        } catch {
            #expect(error.isRetryable && error.status == 500)
        }
        do {
            _ = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "pricey")]))
            Issue.record("expected 422")
        } catch {
            #expect(!error.isRetryable && error.status == 422 && error.message == "Insufficient balance")
        }
        #expect(simulator.orders.isEmpty)
    }

    @Test func slowOrderTimesOutAsRetryable() async throws {
        let simulator = try DIDWWSimulator()
        defer { Task { await simulator.shutdown() } }
        simulator.setOutcome(.slow(.seconds(2)), forSKU: "slow")
        let client = DIDWWClient(configuration: DIDWWClientConfiguration(baseURL: simulator.apiURL, apiKey: simulator.configuration.apiKey),
                                 http: HTTPClient(configuration: HTTPClientConfiguration(readTimeout: .milliseconds(200))))
        do {
            _ = try await client.createOrder(DIDWWOrderRequest(items: [DIDWWOrderItem(skuID: "slow")]))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.isRetryable && error.code == "timeout")
        }
    }

    @Test func overTwentyRequestsPerSecondGet429WithRetryAfter() async throws {
        let (simulator, client) = try Self.start()
        defer { Task { await simulator.shutdown() } }
        var limited: ProviderError?
        for _ in 0..<25 {
            do { _ = try await client.listDIDs() } catch { limited = error; break }
        }
        let error = try #require(limited)
        #expect(error.status == 429 && error.isRetryable && error.retryAfter == .seconds(1))
    }

    @Test func wrongAPIKeyIsPermanent() async throws {
        let simulator = try DIDWWSimulator()
        defer { Task { await simulator.shutdown() } }
        let client = DIDWWClient(configuration: DIDWWClientConfiguration(baseURL: simulator.apiURL, apiKey: "wrong"), http: HTTPClient())
        do { _ = try await client.listDIDs(); Issue.record("expected 401") } catch { #expect(!error.isRetryable && error.status == 401) }
    }

    @Test func outboundSMSIsAcceptedWithBasicAuth() async throws {
        let simulator = try DIDWWSimulator()
        defer { Task { await simulator.shutdown() } }
        let configuration = DIDWWSMSClientConfiguration(baseURL: simulator.smsURL, username: simulator.configuration.smsUsername,
                                                        password: simulator.configuration.smsPassword)
        let client = DIDWWSMSClient(configuration: configuration, http: HTTPClient())
        let id = try await client.send(DIDWWOutboundSMS(source: "+4930123456", destination: "+15551234567", content: "Hi"))
        #expect(simulator.sentSMS == [.init(id: id, source: "4930123456", destination: "15551234567", content: "Hi")])
        let wrong = DIDWWSMSClient(configuration: .init(baseURL: simulator.smsURL, username: "x", password: "y"), http: HTTPClient())
        do { _ = try await wrong.send(DIDWWOutboundSMS(source: "1", destination: "2", content: "c")); Issue.record("expected 401") } catch {
            #expect(error.status == 401 && !error.isRetryable)
        }
    }
}
