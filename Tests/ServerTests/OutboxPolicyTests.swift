import NumberActors
@testable import Server
import Testing

/// The outbox's pure parts: backoff, attempt limit, rate limits, the bounded queue, settlement keys.
@Suite struct OutboxPolicyTests {
    static func effect(_ number: String = "num_1", version: UInt64 = 1, index: UInt32 = 0) -> Effect {
        Effect(id: EffectID(numberID: number, version: version, index: index), action: .assignRouting(didID: "did_1"))
    }

    @Test func backoffCeilingDoublesFromTheBaseUpToTheCap() {
        let policy = RetryPolicy(base: .seconds(1), cap: .seconds(300), maxAttempts: 8)
        let ceilings = (1...12).map { policy.ceiling(afterFailures: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { Duration.seconds($0) })
        #expect(policy.ceiling(afterFailures: 10_000) == .seconds(300), "no overflow for huge attempt counts")
        #expect(policy.ceiling(afterFailures: 0) == .seconds(1))
    }

    @Test func seededFullJitterStaysWithinTheCeilingAndRepeats() {
        let policy = RetryPolicy()
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        var delays: [Duration] = []
        for failures in 1...20 {
            let delay = policy.delay(afterFailures: failures, retryAfter: nil, random: &first)
            #expect(delay >= .zero && delay <= policy.ceiling(afterFailures: failures), "attempt \(failures): \(delay)")
            #expect(policy.delay(afterFailures: failures, retryAfter: nil, random: &second) == delay, "same seed, same jitter")
            delays.append(delay)
        }
        #expect(Set(delays).count > 15, "jitter varies")
        var other = SeededRandom(seed: 8)
        #expect((1...20).map { policy.delay(afterFailures: $0, retryAfter: nil, random: &other) } != delays)
    }

    @Test func retryAfterWinsOverTheJitterAndIsBounded() {
        let policy = RetryPolicy(maxRetryAfter: .seconds(600))
        var random = SeededRandom(seed: 1)
        #expect(policy.delay(afterFailures: 1, retryAfter: .seconds(42), random: &random) == .seconds(42))
        #expect(policy.delay(afterFailures: 1, retryAfter: .seconds(86_400), random: &random) == .seconds(600))
    }

    @Test func attemptsAreLimited() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.allowsAnotherAttempt(afterFailures: 1))
        #expect(policy.allowsAnotherAttempt(afterFailures: 2))
        #expect(!policy.allowsAnotherAttempt(afterFailures: 3))
    }

    @Test func tokenBucketAllowsTheBurstThenSpacesRequestsAtTheRate() {
        var bucket = TokenBucket(rate: 20, now: 0)
        for _ in 0..<20 { #expect(bucket.reserve(now: 0) == .zero) }
        #expect(bucket.reserve(now: 0) == .milliseconds(50))
        #expect(bucket.reserve(now: 0) == .milliseconds(100), "waits queue up behind each other")
        // A second later the debt is paid and 18 tokens are back (20 - 2 owed).
        for _ in 0..<18 { #expect(bucket.reserve(now: 1_000_000_000) == .zero) }
        #expect(bucket.reserve(now: 1_000_000_000) > .zero)
        // Idle time never saves more than the burst.
        var idle = TokenBucket(rate: 20, now: 0)
        for _ in 0..<20 { _ = idle.reserve(now: 3_600_000_000_000) }
        #expect(idle.reserve(now: 3_600_000_000_000) == .milliseconds(50))
    }

    @Test func rateLimiterThrottlesPerProvider() {
        let limiter = RateLimiter(limits: [.didww: 20], now: 0)
        for _ in 0..<10 { #expect(limiter.reserve([.didww, .didww], now: 0) == .zero) }
        #expect(limiter.reserve([.didww], now: 0) == .milliseconds(50))
        #expect(limiter.reserve([.stripe, .customerWebhook], now: 0) == .zero, "providers without a limit are not throttled")
        #expect(limiter.reserve([], now: 0) == .zero)
    }

    @Test func theQueueIsBoundedAndTakesEachEffectOnce() async {
        let queue = EffectQueue(capacity: 2)
        #expect(queue.offer(Self.effect("num_1")) == .queued)
        #expect(queue.offer(Self.effect("num_1")) == .known)
        #expect(queue.offer(Self.effect("num_2")) == .queued)
        #expect(queue.offer(Self.effect("num_3")) == .full)
        #expect(queue.count == 2)
        #expect(!queue.takeRescanNeeded(), "still full")
        let first = await queue.next()
        queue.finish(first!.effect.id)
        let second = await queue.next()
        queue.finish(second!.effect.id)
        #expect(queue.takeRescanNeeded(), "room again after an overflow: rescan the outboxes")
        #expect(!queue.takeRescanNeeded(), "once")
        queue.stop()
        #expect(await queue.next() == nil)
        #expect(queue.offer(Self.effect("num_4")) == .stopped)
    }

    @Test func oneNumberRunsOneAttemptAtATimeInOrder() async {
        let queue = EffectQueue(capacity: 10)
        queue.offer(Self.effect("num_1", version: 1))
        queue.offer(Self.effect("num_1", version: 2))
        queue.offer(Self.effect("num_2", version: 1))
        let a = await queue.next()
        let b = await queue.next()
        #expect(a?.effect.id.text == "num_1:1:0")
        #expect(b?.effect.id.text == "num_2:1:0", "num_1's second effect waits for its first")
        queue.finish(a!.effect.id)
        let c = await queue.next()
        #expect(c?.effect.id.text == "num_1:2:0")
        // A retry frees the number; waking queues the effect again.
        queue.waitForRetry(c!.effect.id, failures: 1, error: "503", at: 5)
        #expect(queue.tracked[c!.effect.id]?.phase == .waiting)
        #expect(queue.tracked[c!.effect.id]?.nextAttemptAt == 5)
        queue.wake(c!.effect.id)
        let again = await queue.next()
        #expect(again?.effect.id == c!.effect.id && again?.failures == 1 && again?.lastError == "503")
        queue.stop()
    }

    @Test func aWaitingWorkerGetsTheNextOffer() async {
        let queue = EffectQueue(capacity: 10)
        async let taken = queue.next()
        await Task.yield()
        queue.offer(Self.effect("num_9"))
        #expect(await taken?.effect.id.numberID == "num_9")
        queue.stop()
    }

    @Test func settlementKeysMakeARerunHarmless() {
        let effect = Effect(id: EffectID(numberID: "num_1", version: 3, index: 0),
                            action: .provisionNumber(skuID: "sku", availableDIDID: nil, e164: "+1"))
        let first = EffectSettlement.completed(effect, details: "order ord_1", followUps: [.provisioningStarted(orderID: "ord_1")], now: 1)
        let rerun = EffectSettlement.completed(effect, details: "order ord_1 found", followUps: [.provisioningStarted(orderID: "ord_1")], now: 99)
        #expect(first.map(\.dedupeKey) == rerun.map(\.dedupeKey), "the same result twice journals once")
        #expect(first.last?.source.eventID == "num_1:3:0:completed")
        #expect(first.first?.keys == [RouteKey(.didwwOrder, "ord_1")], "the order leads DIDWW's callbacks to the number")
        #expect(first.allSatisfy { $0.channel == "effect" && $0.numberID == "num_1" })
        let other = EffectSettlement.followUpEvents(effect, [.provisioningStarted(orderID: "ord_2")], now: 1)
        #expect(other[0].dedupeKey != first[0].dedupeKey)
        // A failure is keyed by the number's version: a failure after an operator's retry is a new event.
        let failed = EffectSettlement.failed(effect, reason: "402", followUps: [], version: 5, now: 1)
        let failedAgain = EffectSettlement.failed(effect, reason: "402", followUps: [], version: 7, now: 1)
        #expect(failed[0].source.eventID == "num_1:3:0:failed:5" && failed[0].dedupeKey != failedAgain[0].dedupeKey)
        let long = EffectSettlement.truncated(String(repeating: "é", count: 600))
        #expect(long.utf8.count <= EffectSettlement.maxDetailsBytes && long.hasSuffix("..."))
    }

    @Test func anAttemptThatOutlivesItsTimeoutIsARetry() async {
        let result = await AttemptTimeout.run(.milliseconds(20)) {
            try? await Task.sleep(for: .seconds(30))
            return .completed("too late")
        }
        guard case .retry(let reason, nil) = result else { Issue.record("\(result)"); return }
        #expect(reason.hasPrefix("timed out"))
        let quick = await AttemptTimeout.run(.seconds(30)) { .completed("ok") }
        #expect(quick == .completed("ok"))
    }
}
