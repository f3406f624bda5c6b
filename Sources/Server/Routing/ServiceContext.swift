import NumberActors
import Synchronization

/// What every endpoint shares: the settings, the secrets, and the engine once recovery is done.
/// The server listens while the data directory recovers (so `/healthz` and `/readyz` answer); until the
/// engine is ready, and again once shutdown begins, endpoints that need it answer 503 `unavailable`.
final class ServiceContext: Sendable {
    enum Phase: Sendable {
        case recovering
        case ready(NumberEngine)
        case stopping
    }

    let settings: ServeSettings
    let secrets: ServiceSecrets
    let stripe: StripeWebhookEndpoint
    let inboundTokens: AccessTokens
    let apiTokens: AccessTokens
    /// Counters and histograms behind `GET /metrics`.
    let metrics: Metrics
    /// Number changes for the Server-Sent Events streams; its `observer` goes into the engine's options.
    let changes: NumberChangeFeed
    let logger: Logger
    /// The effect workers, when effects are carried out (nil in tests that only ingest).
    var effectWorkers: EffectWorkers? { workers.withLock { $0 } }
    private let workers = Mutex<EffectWorkers?>(nil)
    private let phase = Mutex(Phase.recovering)
    private let publicBaseURL: Mutex<String>

    init(settings: ServeSettings, secrets: ServiceSecrets, logger: Logger = Logger(), metrics: Metrics = Metrics()) {
        self.settings = settings
        self.secrets = secrets
        self.logger = logger
        self.metrics = metrics
        changes = NumberChangeFeed()
        stripe = StripeWebhookEndpoint(verifier: StripeSignatureVerifier(secrets: secrets.stripe,
                                                                         tolerance: Int64(settings.stripeToleranceSeconds)))
        inboundTokens = AccessTokens(secrets.inbound)
        apiTokens = AccessTokens(secrets.api)
        publicBaseURL = Mutex(settings.publicURL)
    }

    /// The external base URL DIDWW calls (DIDWW signs the full URL), without a trailing slash.
    var publicURL: String { publicBaseURL.withLock { $0 } }

    /// Once the listener is bound: an unconfigured public URL that named port 0 gets the real port.
    func boundPort(_ port: Int) {
        guard !settings.publicURLConfigured, settings.listenPort == 0 else { return }
        publicBaseURL.withLock { $0 = "http://\(settings.listenHost):\(port)" }
    }

    func becomeReady(_ engine: NumberEngine) {
        phase.withLock { if case .recovering = $0 { $0 = .ready(engine) } }
    }

    func attach(_ workers: EffectWorkers) { self.workers.withLock { $0 = workers } }

    func beginStopping() { phase.withLock { $0 = .stopping } }

    var isRecovering: Bool { phase.withLock { if case .recovering = $0 { true } else { false } } }

    /// The engine when it accepts work: recovered, not shutting down, journal not failed.
    var engine: NumberEngine? {
        // No `failure` check here: it takes the engine's lock on every request, and an engine whose journal
        // failed refuses `ingest` itself (EngineError.unavailable → 503).
        guard case .ready(let engine) = phase.withLock({ $0 }) else { return nil }
        return engine
    }

    /// The engine when it is also healthy (its journal has not failed): for `/readyz`.
    var healthyEngine: NumberEngine? {
        guard let engine, engine.failure == nil else { return nil }
        return engine
    }

    /// The 503 for why `engine` is nil.
    func unavailable() -> HTTPResponse {
        let reason: String
        switch phase.withLock({ $0 }) {
        case .recovering: reason = "The service is recovering its state; retry shortly."
        case .stopping: reason = "The service is shutting down; retry shortly."
        case .ready(let engine): reason = "The journal has failed (\(engine.failure ?? "unknown")); an operator must restart the service."
        }
        return .error(status: 503, code: "unavailable", message: reason)
    }
}
