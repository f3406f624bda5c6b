#if canImport(Glibc)
import Glibc
#endif
import Snapshot

/// Everything `numninja serve` is configured with, read once at start from flags and the environment
/// (flags win), validated before anything is created: a bad value is a usage error (exit 2).
struct ServeSettings: Sendable {
    enum Mode: String, Sendable { case development, production }

    var listenHost = "127.0.0.1"
    var listenPort = 8080
    var dataDirectory = "data/state"
    var mode = Mode.development
    /// Configured secrets and tokens (nil: not set, so development generates one and production refuses).
    var stripeSecrets: [String]?
    var didwwSecrets: [String]?
    var inboundTokens: [String]?
    var apiTokens: [String]?
    var stripeToleranceSeconds = 300
    var publicURL = "http://127.0.0.1:8080"
    /// False when `publicURL` was derived from the listen address (then a port 0 is filled in once bound).
    var publicURLConfigured = false
    var durability = JournalOptions.Durability.always
    var snapshotEvery: UInt64 = 100_000
    var maxBodyBytes = 1_048_576
    var maxDecompressedBytes = 8_388_608
    var journalSegmentBytes = 67_108_864
    var headerTimeoutSeconds = 10
    var idleTimeoutSeconds = 60
    /// HTTP event-loop threads (default: one per core).
    var eventLoops = HTTPServerConfiguration.coreCount
    /// Providers (nil URL: not configured, so the built-in simulator serves it).
    var providers = ProviderSettings()
    /// `NUMNINJA_EFFECTS=pause`: effects are stored in the outboxes but not carried out (maintenance, tests
    /// that need a still world); `run` (the default) carries them out.
    var effectsPaused = false
    /// Attempts of one effect before it fails for good (retryable failures only).
    var effectMaxAttempts = 8
    /// DIDWW reconciliation and Stripe catch-up run at start and then this often.
    var reconcileIntervalSeconds = 300

    /// Flag name (without `--`) → environment variable. Every variable has a flag.
    static let variables: [(flag: String, variable: String)] = [
        ("listen", "NUMNINJA_LISTEN"),
        ("data-dir", "NUMNINJA_DATA_DIR"),
        ("env", "NUMNINJA_ENV"),
        ("stripe-webhook-secrets", "NUMNINJA_STRIPE_WEBHOOK_SECRETS"),
        ("stripe-tolerance-seconds", "NUMNINJA_STRIPE_TOLERANCE_SECONDS"),
        ("didww-callback-secrets", "NUMNINJA_DIDWW_CALLBACK_SECRETS"),
        ("public-url", "NUMNINJA_PUBLIC_URL"),
        ("inbound-token", "NUMNINJA_INBOUND_TOKEN"),
        ("api-token", "NUMNINJA_API_TOKEN"),
        ("fsync", "NUMNINJA_FSYNC"),
        ("snapshot-every", "NUMNINJA_SNAPSHOT_EVERY"),
        ("max-body-bytes", "NUMNINJA_MAX_BODY_BYTES"),
        ("max-decompressed-bytes", "NUMNINJA_MAX_DECOMPRESSED_BYTES"),
        ("journal-segment-bytes", "NUMNINJA_JOURNAL_SEGMENT_BYTES"),
        ("header-timeout-seconds", "NUMNINJA_HEADER_TIMEOUT_SECONDS"),
        ("idle-timeout-seconds", "NUMNINJA_IDLE_TIMEOUT_SECONDS"),
        ("event-loops", "NUMNINJA_EVENT_LOOPS"),
        ("didww-api-url", "NUMNINJA_DIDWW_API_URL"),
        ("didww-api-key", "NUMNINJA_DIDWW_API_KEY"),
        ("didww-trunk-id", "NUMNINJA_DIDWW_TRUNK_ID"),
        ("didww-sms-url", "NUMNINJA_DIDWW_SMS_URL"),
        ("didww-sms-user", "NUMNINJA_DIDWW_SMS_USER"),
        ("didww-sms-password", "NUMNINJA_DIDWW_SMS_PASSWORD"),
        ("stripe-api-url", "NUMNINJA_STRIPE_API_URL"),
        ("stripe-api-key", "NUMNINJA_STRIPE_API_KEY"),
        ("smtp-url", "NUMNINJA_SMTP_URL"),
        ("mail-from", "NUMNINJA_MAIL_FROM"),
        ("effects", "NUMNINJA_EFFECTS"),
        ("effect-max-attempts", "NUMNINJA_EFFECT_MAX_ATTEMPTS"),
        ("reconcile-interval-seconds", "NUMNINJA_RECONCILE_INTERVAL_SECONDS"),
    ]

    static var flagNames: Set<String> { Set(variables.map(\.flag)) }

    /// Reads flags first, then the environment; `environment` is injectable for tests.
    init(flags: [String: String], environment: (String) -> String? = ServeSettings.processEnvironment) throws {
        func value(_ flag: String) -> (name: String, text: String)? {
            guard let variable = Self.variables.first(where: { $0.flag == flag })?.variable else { return nil }
            if let text = flags[flag] { return ("--\(flag)", text) }
            if let text = environment(variable), !text.isEmpty { return (variable, text) }
            return nil
        }
        if let (name, text) = value("listen") {
            guard let address = HTTPServerConfiguration.parseListenAddress(text) else {
                throw UsageError("\(name) must be HOST:PORT (IPv4), got '\(text)'")
            }
            (listenHost, listenPort) = (address.host, address.port)
        }
        if let (_, text) = value("data-dir") { dataDirectory = text }
        if let (name, text) = value("env") {
            guard let parsed = Mode(rawValue: text) else { throw UsageError("\(name) must be development or production, got '\(text)'") }
            mode = parsed
        }
        stripeSecrets = try Self.list(value("stripe-webhook-secrets"))
        if let secrets = stripeSecrets, let (name, _) = value("stripe-webhook-secrets"), secrets.contains(where: { !$0.hasPrefix("whsec_") }) {
            throw UsageError("\(name) must list secrets that start with whsec_ (Stripe's form)")
        }
        didwwSecrets = try Self.list(value("didww-callback-secrets"))
        inboundTokens = try Self.list(value("inbound-token"))
        apiTokens = try Self.list(value("api-token"))
        if let (name, text) = value("public-url") {
            guard DIDWWURL.parse(text) != nil, text.hasPrefix("http://") || text.hasPrefix("https://") else {
                throw UsageError("\(name) must be an http:// or https:// URL, got '\(text)'")
            }
            publicURL = text.hasSuffix("/") ? String(text.dropLast()) : text
            publicURLConfigured = true
        } else if listenPort != 0 {
            publicURL = "http://\(listenHost):\(listenPort)"
        }
        if let (name, text) = value("fsync") {
            guard let parsed = JournalOptions.Durability(rawValue: text) else { throw UsageError("\(name) must be always or never, got '\(text)'") }
            durability = parsed
        }
        stripeToleranceSeconds = try Self.integer(value("stripe-tolerance-seconds"), minimum: 0) ?? stripeToleranceSeconds
        snapshotEvery = UInt64(try Self.integer(value("snapshot-every"), minimum: 1) ?? Int(snapshotEvery))
        maxBodyBytes = try Self.integer(value("max-body-bytes"), minimum: 1) ?? maxBodyBytes
        maxDecompressedBytes = try Self.integer(value("max-decompressed-bytes"), minimum: 1) ?? maxDecompressedBytes
        journalSegmentBytes = try Self.integer(value("journal-segment-bytes"), minimum: 4096) ?? journalSegmentBytes
        headerTimeoutSeconds = try Self.integer(value("header-timeout-seconds"), minimum: 1) ?? headerTimeoutSeconds
        idleTimeoutSeconds = try Self.integer(value("idle-timeout-seconds"), minimum: 1) ?? idleTimeoutSeconds
        if let (name, text) = value("effects") {
            guard text == "run" || text == "pause" else { throw UsageError("\(name) must be run or pause, got '\(text)'") }
            effectsPaused = text == "pause"
        }
        eventLoops = try Self.integer(value("event-loops"), minimum: 1) ?? eventLoops
        effectMaxAttempts = try Self.integer(value("effect-max-attempts"), minimum: 1) ?? effectMaxAttempts
        reconcileIntervalSeconds = try Self.integer(value("reconcile-interval-seconds"), minimum: 1) ?? reconcileIntervalSeconds
        providers = try ProviderSettings(value)
    }

    private static func list(_ entry: (name: String, text: String)?) throws -> [String]? {
        guard let (name, text) = entry else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        guard !items.isEmpty else { throw UsageError("\(name) has no value between its commas") }
        return items
    }

    private static func integer(_ entry: (name: String, text: String)?, minimum: Int) throws -> Int? {
        guard let (name, text) = entry else { return nil }
        guard let parsed = Int(text), parsed >= minimum else {
            throw UsageError("\(name) must be an integer >= \(minimum), got '\(text)'")
        }
        return parsed
    }

    static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
