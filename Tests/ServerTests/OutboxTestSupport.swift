import Foundation
import NumberActors
@testable import Server
import Snapshot
import Synchronization
import Testing

/// A sleeper whose time moves only when someone sleeps (by the time slept); every wait is recorded.
final class VirtualSleeper: Sleeper {
    private let state: Mutex<(now: Int64, slept: [Duration])>

    init(start: Int64 = 1_767_225_600_000_000_000) { state = Mutex((start, [])) }

    func now() -> Int64 { state.withLock { $0.now } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.slept.append(duration)
            if duration > .zero { state.now += RetryPolicy.nanos(duration) }
        }
        await Task.yield()
    }

    var slept: [Duration] { state.withLock { $0.slept } }
}

/// DIDWW as the executors see it, in memory: orders by external reference, scripted failures, every call
/// recorded. It keeps its orders across engine restarts, like the real DIDWW.
final class RecordingDIDWW: DIDWWProvisioning {
    struct State {
        var calls: [String] = []
        var orders: [String: DIDWWOrder] = [:]
        var callbacks: [String] = []
        /// Errors thrown by the next calls of an operation, in order.
        var failures: [String: [ProviderError]] = [:]
        /// Runs inside `createOrder` after the order exists and before it returns.
        var afterCreate: (@Sendable () -> Void)?
    }

    let state = Mutex(State())

    var calls: [String] { state.withLock { $0.calls } }
    func calls(_ prefix: String) -> [String] { calls.filter { $0.hasPrefix(prefix) } }

    func fail(_ operation: String, with errors: ProviderError...) {
        state.withLock { $0.failures[operation, default: []] += errors }
    }

    private func record(_ call: String, operation: String) throws {
        let error = state.withLock { state -> ProviderError? in
            state.calls.append(call)
            guard var queued = state.failures[operation], !queued.isEmpty else { return nil }
            let first = queued.removeFirst()
            state.failures[operation] = queued
            return first
        }
        if let error { throw error }
    }

    func findOrder(externalReferenceID: String) async throws -> DIDWWOrder? {
        try record("findOrder \(externalReferenceID)", operation: "findOrder")
        return state.withLock { $0.orders[externalReferenceID] }
    }

    func createOrder(skuID: String, availableDIDID: String?, callbackURL: String, externalReferenceID: String) async throws -> DIDWWOrder {
        try record("createOrder \(skuID) \(externalReferenceID)", operation: "createOrder")
        let (order, hook) = state.withLock { state -> (DIDWWOrder, (@Sendable () -> Void)?) in
            let order = DIDWWOrder(id: "ord_\(state.orders.count + 1)", status: "pending")
            state.orders[externalReferenceID] = order
            state.callbacks.append(callbackURL)
            return (order, state.afterCreate)
        }
        hook?()
        return order
    }

    func assignTrunk(didID: String) async throws { try record("assignTrunk \(didID)", operation: "assignTrunk") }
    func releaseDID(didID: String) async throws { try record("releaseDID \(didID)", operation: "releaseDID") }
    func cancelOrder(orderID: String) async throws { try record("cancelOrder \(orderID)", operation: "cancelOrder") }
}

/// Stripe refunds and meter events, in memory.
final class RecordingStripe: StripeBilling {
    let calls = Mutex<[String]>([])

    func refund(paymentIntentID: String?, chargeID: String?, idempotencyKey: String) async throws -> String {
        calls.withLock { $0.append("refund \(paymentIntentID ?? "-") \(chargeID ?? "-") \(idempotencyKey)") }
        return "re_1"
    }

    func createMeterEvent(eventName: String, customerID: String, value: Int64, identifier: String, timestamp: Int64) async throws {
        calls.withLock { $0.append("meter \(eventName) \(customerID) \(value) \(identifier)") }
    }
}

/// Email, customer webhooks and SMS, in memory.
final class RecordingChannels: Mailer, WebhookDelivery, SMSSender {
    let sent = Mutex<[String]>([])
    let webhookFailures = Mutex<[ProviderError]>([])

    func send(_ message: EmailMessage) async throws {
        sent.withLock { $0.append("email \(message.to.joined(separator: ",")) \(message.subject) <\(message.messageID ?? "")>") }
    }

    func deliver(url: String, secret: String, messageID: String, timestamp: Int64, body: [UInt8]) async throws {
        let failure = webhookFailures.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        sent.withLock { $0.append("webhook \(url) \(messageID) \(secret.hasPrefix("whsec_")) \(String(decoding: body, as: UTF8.self))") }
        if let failure { throw failure }
    }

    func send(to: String, from: String?, text: String, reference: String) async throws {
        sent.withLock { $0.append("sms \(to) \(text) \(reference)") }
    }
}

/// An engine on a temporary data directory with effect workers beside it, as `serve` wires them.
final class OutboxRig: @unchecked Sendable {
    static let t0: UnixSeconds = 1_767_225_600

    let data: DataDirectory
    let didww = RecordingDIDWW()
    let stripe = RecordingStripe()
    let channels = RecordingChannels()
    let sleeper = VirtualSleeper()
    private(set) var engine: NumberEngine
    private(set) var workers: EffectWorkers

    init(data: DataDirectory? = nil, options: EffectWorkers.Options = OutboxRig.options) throws {
        self.data = data ?? DataDirectory(NSTemporaryDirectory() + "nn-outbox-\(UInt64.random(in: 0...UInt64.max))")
        (engine, workers) = (try Self.open(self.data, didww: didww, stripe: stripe, channels: channels, sleeper: sleeper, options: options))
    }

    static var options: EffectWorkers.Options {
        var options = EffectWorkers.Options()
        options.workers = 2
        options.jitterSeed = 42
        return options
    }

    var providers: ProviderSet {
        ProviderSet(didww: didww, stripe: stripe, mailer: channels, webhooks: channels, sms: channels)
    }

    private static func open(_ data: DataDirectory, didww: RecordingDIDWW, stripe: RecordingStripe, channels: RecordingChannels,
                             sleeper: VirtualSleeper, options: EffectWorkers.Options) throws -> (NumberEngine, EffectWorkers) {
        let providers = ProviderSet(didww: didww, stripe: stripe, mailer: channels, webhooks: channels, sms: channels)
        let workers = EffectWorkers(executors: providers.executors(webhookSecrets: CustomerWebhookSecret(directory: data.path)),
                                    options: options, sleeper: sleeper, publicURL: { "https://numninja.example" })
        var engineOptions = EngineOptions()
        engineOptions.snapshotEvery = 0
        engineOptions.observer = workers.observer
        let engine = try NumberEngine.open(data, options: engineOptions)
        return (engine, workers)
    }

    func start() { workers.start(engine: engine) }

    /// Stops the workers and closes the engine, then opens both again on the same directory (a restart).
    func restart(options: EffectWorkers.Options = OutboxRig.options) async throws {
        await workers.stop()
        engine.close()
        (engine, workers) = try Self.open(data, didww: didww, stripe: stripe, channels: channels, sleeper: sleeper, options: options)
        start()
    }

    func finish() async {
        await workers.stop()
        engine.close()
        try? FileManager.default.removeItem(atPath: data.path)
    }

    // MARK: Events

    func ingest(_ event: IncomingEvent) async throws { _ = try await engine.ingest(event) }

    static func reserve(_ number: String, forward: Forwarding = Forwarding(email: "owner@example.com")) -> IncomingEvent {
        IncomingEvent(channel: "api", numberID: number, keys: [RouteKey(.customer, "cus_\(number)")],
                      source: EventSource(eventID: "rsv_\(number)", time: t0),
                      payload: .reserved(Reservation(e164: "+14155550100", customer: "cus_\(number)", skuID: "sku_1",
                                                     availableDIDID: "adid_1", forward: forward)))
    }

    static func paid(_ number: String) -> IncomingEvent {
        IncomingEvent(channel: "stripe", numberID: number, source: EventSource(eventID: "evt_paid_\(number)", created: t0 + 1, time: t0 + 1),
                      payload: .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_\(number)", paymentIntentID: "pi_\(number)")))
    }

    static func orderCompleted(_ number: String, order: String, did: String) -> IncomingEvent {
        IncomingEvent(channel: "didww", numberID: number, source: EventSource(eventID: "\(order):completed", objectID: order, time: t0 + 40),
                      payload: .orderCompleted(orderID: order, didID: did))
    }

    // MARK: Reading

    func state(_ number: String) async -> NumberState? { await engine.number(number)?.state }

    /// Polls until `condition` holds on the number, up to a deadline (no fixed sleeps).
    func waitFor(_ number: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: (NumberState) -> Bool) async -> NumberState? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let state = await state(number), condition(state) { return state }
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("condition on \(number) not reached in \(timeout): \(String(describing: await state(number)))",
                     sourceLocation: sourceLocation)
        return nil
    }

    /// Event records in the journal whose dedupe key has this channel and event id.
    func journaled(channel: String = "effect", _ matching: (String) -> Bool) throws -> [String] {
        var ids: [String] = []
        _ = try JournalDirectory.read(data.journalPath) { view in
            if case .event(let record) = try EngineRecord.decode(kind: view.kind, Array(view.payload)),
               record.event.channel == channel, matching(record.event.source.eventID) {
                ids.append(record.event.source.eventID)
            }
        }
        return ids
    }

    static func kinds(_ state: NumberState) -> [String] { state.history.events.map(\.kind) }
}
