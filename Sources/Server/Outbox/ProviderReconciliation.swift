import NumberActors
import Synchronization

/// The two loops that read what providers do not push, at start and then every `interval`:
///
/// - DIDWW never calls back when it blocks, unblocks or terminates a DID: the DID list is read page by page
///   and a change against the number's facts is journaled as ProviderBlocked / ProviderUnblocked /
///   ProviderTerminated (channel `reconcile`).
/// - Stripe stops retrying an endpoint after three days: the events it could not deliver
///   (`GET /v1/events?delivery_success=false`) go through the webhook ingestion path, so dedupe makes the
///   ones already received harmless.
final class ProviderReconciliation: Sendable {
    static let channel = "reconcile"
    static let maxDIDPages = 1000
    /// DIDWW allows 20 requests/s per key; the DID list is read at half that, leaving the rest to the effects.
    static let pagePause: Duration = .milliseconds(100)

    let didww: DIDWWClient
    let stripe: StripeClient
    let interval: Duration
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(didww: DIDWWClient, stripe: StripeClient, interval: Duration, logger: Logger) {
        self.didww = didww
        self.stripe = stripe
        self.interval = interval
        self.logger = logger
    }

    func start(engine: NumberEngine, ingestStripe: @escaping @Sendable ([UInt8]) async -> Void) {
        let loop = Task { [self] in
            while !Task.isCancelled {
                await runOnce(engine: engine, ingestStripe: ingestStripe)
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
        task.withLock { $0 = loop }
    }

    func stop() async {
        guard let loop = task.withLock({ $0 }) else { return }
        loop.cancel()
        await loop.value
    }

    /// One round of both loops; returns what was journaled or re-ingested (for tests and logs).
    @discardableResult
    func runOnce(engine: NumberEngine, ingestStripe: @Sendable ([UInt8]) async -> Void) async -> (didww: Int, stripe: Int) {
        var changes = 0
        do {
            changes = try await reconcileDIDs(engine: engine)
        } catch {
            logger.warn("reconcile: DIDWW DID list not read", [("error", .string("\(error)"))])
        }
        var replayed = 0
        do {
            let events = try await stripe.undeliveredEvents()
            for event in events.reversed() {
                if Task.isCancelled { break }
                await ingestStripe(event.json)
                replayed += 1
            }
        } catch {
            logger.warn("reconcile: Stripe undelivered events not read", [("error", .string("\(error)"))])
        }
        if changes > 0 || replayed > 0 {
            logger.info("reconcile: done", [("didww_changes", .int(Int64(changes))), ("stripe_events", .int(Int64(replayed)))])
        }
        return (changes, replayed)
    }

    /// Reads every DID and journals the differences from the numbers' facts.
    func reconcileDIDs(engine: NumberEngine) async throws -> Int {
        var changes = 0
        var page = 1
        while page <= Self.maxDIDPages, !Task.isCancelled {
            let result = try await didww.listDIDs(page: page, pageSize: 100)
            for did in result.dids {
                if let event = await change(for: did, engine: engine) {
                    _ = try await engine.ingest(event)
                    changes += 1
                }
            }
            let seen = (page - 1) * 100 + result.dids.count
            if result.dids.count < 100 || (result.totalRecords.map { seen >= $0 } ?? false) { break }
            page += 1
            try await Task.sleep(for: Self.pagePause)
        }
        return changes
    }

    /// The event that brings the number's facts in line with DIDWW's view of `did`, if they differ.
    func change(for did: DIDWWDID, engine: NumberEngine) async -> IncomingEvent? {
        var keys = [RouteKey(.e164, did.number)]
        if let order = did.orderID { keys.insert(RouteKey(.didwwOrder, order), at: 0) }
        guard let id = engine.numberID(routing: keys), let entry = await engine.number(id) else { return nil }
        let state = entry.state
        // Only the DID this number bought speaks for it (an old DID of the same E.164 does not).
        guard let live = state.didwwDIDID, live.isEmpty || live == did.id else { return nil }
        if state.state == .cancelled || state.state == .failed { return nil }
        let payload: DomainEventPayload
        if did.terminated {
            payload = .providerTerminated
        } else if did.blocked != (state.facts.providerBlock?.value ?? false) {
            payload = did.blocked ? .providerBlocked : .providerUnblocked
        } else {
            return nil
        }
        // One event per DID, change and number version: the same round after a crash journals it once.
        let eventID = "\(did.id):\(payload.kindName):\(state.version)"
        return IncomingEvent(channel: Self.channel, numberID: id, keys: keys,
                             source: EventSource(eventID: eventID, time: APIEvents.nowSeconds()), payload: payload)
    }
}
