import NumberActors

/// Carries out one kind of effect against a provider. Executors are stateless and never touch the journal:
/// they say what happened, and `EffectWorkers` journals it (follow-ups first, then the settlement).
///
/// An attempt may run more than once for one effect (a timeout, a crash before the result is journaled), so
/// every provider call carries `context.idempotencyKey` or looks for its own earlier result first.
protocol EffectExecutor: Sendable {
    /// The provider requests one attempt may make, one entry per request (a provider twice for two
    /// requests): the workers take that many rate-limit tokens before the attempt starts.
    func requests(for effect: Effect) -> [EffectProvider]

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt

    /// Events to journal when the workers give up after the last retryable failure (ProvisionNumber:
    /// `provisioningFailed`), before `effectFailed`.
    func givingUp(_ effect: Effect, reason: String) -> [DomainEventPayload]
}

extension EffectExecutor {
    func givingUp(_ effect: Effect, reason: String) -> [DomainEventPayload] { [] }
}

/// What one attempt came to.
enum EffectAttempt: Sendable, Equatable {
    /// Done: journal `followUps` (e.g. `provisioningStarted(orderID)`), then `effectCompleted(details)`.
    case completed(details: String, followUps: [DomainEventPayload])
    /// A retryable failure (timeout, 5xx, 429): try again after the backoff, or after `after` when the
    /// provider said when (Retry-After).
    case retry(reason: String, after: Duration?)
    /// A permanent failure (4xx, insufficient balance): journal `followUps` (e.g. `provisioningFailed`), then
    /// `effectFailed(reason)`; the entry stays in the outbox for an operator (`/admin/effects`).
    case failed(reason: String, followUps: [DomainEventPayload])

    static func completed(_ details: String) -> EffectAttempt { .completed(details: details, followUps: []) }
    static func failed(_ reason: String) -> EffectAttempt { .failed(reason: reason, followUps: []) }
}

/// What an executor knows about the effect's number when the attempt starts.
struct EffectContext: Sendable {
    /// The number with every durable event applied (read through `engine.number(_:)` just before the attempt).
    var number: NumberState
    /// `effect.id.text`: `<number id>:<version>:<index>`, the same on every attempt and after a restart.
    var idempotencyKey: String
    /// The external base URL providers call back (`NUMNINJA_PUBLIC_URL`), without a trailing slash.
    var publicURL: String
    /// 1 for the first attempt of this process.
    var attempt: Int
    /// Wall-clock Unix seconds when the attempt started.
    var now: Int64
}

/// Who an effect talks to, for rate limiting and for saying which providers are not configured.
enum EffectProvider: String, Sendable, Hashable, CaseIterable {
    /// DIDWW API v3 (orders, DIDs).
    case didww
    /// DIDWW Outbound SMS API.
    case didwwSMS = "didww_sms"
    /// Stripe API (refunds, meter events).
    case stripe
    /// Customer email (SMTP).
    case email
    /// Customer webhooks (Standard Webhooks).
    case customerWebhook = "customer_webhook"
}
