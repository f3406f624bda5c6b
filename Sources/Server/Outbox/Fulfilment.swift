import NumberActors

/// What carries effects out for `serve`: a client per provider (the built-in simulator for each provider that
/// is not configured), the effect workers, and the two loops that read what providers do not push (DIDWW
/// reconciliation, Stripe catch-up).
///
/// Created before the engine (the workers' observer goes into its options), started once recovery is done,
/// stopped before the engine closes.
final class Fulfilment: Sendable {
    let workers: EffectWorkers
    let reconciliation: ProviderReconciliation
    /// Running simulators, when any provider is simulated.
    let simulators: ProviderSimulators?
    /// One line per simulated provider, for the start-up notice.
    let simulatedNotice: [String]

    init(workers: EffectWorkers, reconciliation: ProviderReconciliation, simulators: ProviderSimulators?,
         simulatedNotice: [String]) {
        self.workers = workers
        self.reconciliation = reconciliation
        self.simulators = simulators
        self.simulatedNotice = simulatedNotice
    }

    /// Builds the clients from `settings.providers`, starting simulators for what is not configured.
    /// `didwwCallbackSecret` signs the simulated DIDWW callbacks (one of the server's own secrets).
    static func make(settings: ServeSettings, didwwCallbackSecret: String, webhookSecrets: CustomerWebhookSecret,
                     metrics: Metrics, logger: Logger, publicURL: @escaping @Sendable () -> String) throws -> Fulfilment {
        let providers = settings.providers
        let simulators = providers.simulatesAny ? try ProviderSimulators(didwwCallbackSecret: didwwCallbackSecret) : nil
        var notice: [String] = []
        let http = HTTPClient()

        let didwwSettings = providers.didww ?? ProviderSettings.DIDWW(apiURL: simulators!.didww.apiURL,
                                                                      apiKey: simulators!.didww.configuration.apiKey,
                                                                      trunkID: Fulfilment.simulatedTrunk)
        if providers.didww == nil { notice.append("DIDWW API: simulator at \(didwwSettings.apiURL) (set NUMNINJA_DIDWW_API_URL)") }
        let didwwClient = DIDWWClient(configuration: DIDWWClientConfiguration(baseURL: didwwSettings.apiURL, apiKey: didwwSettings.apiKey),
                                      http: http)

        let smsSettings = providers.didwwSMS ?? ProviderSettings.DIDWWSMS(url: simulators!.didww.smsURL,
                                                                         user: simulators!.didww.configuration.smsUsername,
                                                                         password: simulators!.didww.configuration.smsPassword)
        if providers.didwwSMS == nil { notice.append("DIDWW Outbound SMS: simulator at \(smsSettings.url) (set NUMNINJA_DIDWW_SMS_URL)") }
        let sms = DIDWWSMSClient(configuration: DIDWWSMSClientConfiguration(baseURL: smsSettings.url, username: smsSettings.user,
                                                                             password: smsSettings.password), http: http)

        let stripeSettings = providers.stripe ?? ProviderSettings.Stripe(apiURL: simulators!.stripe.url, apiKey: simulators!.stripe.apiKey)
        if providers.stripe == nil { notice.append("Stripe API: simulator at \(stripeSettings.apiURL) (set NUMNINJA_STRIPE_API_URL)") }
        let stripe = StripeClient(configuration: StripeClientConfiguration(baseURL: stripeSettings.apiURL, apiKey: stripeSettings.apiKey),
                                  http: http)

        let mailSettings = providers.mail ?? ProviderSettings.Mail(smtpURL: simulators!.smtp.url, from: providers.mailFrom)
        if providers.mail == nil { notice.append("email: SMTP sink at \(mailSettings.smtpURL) (set NUMNINJA_SMTP_URL)") }
        guard let smtpConfiguration = SMTPConfiguration(url: mailSettings.smtpURL, from: mailSettings.from) else {
            throw UsageError("NUMNINJA_SMTP_URL cannot be read: \(mailSettings.smtpURL)")
        }
        let mailer = try SMTPClient(configuration: smtpConfiguration)

        let set = ProviderSet(didww: DIDWWProvisioningClient(client: didwwClient, trunkID: didwwSettings.trunkID),
                              stripe: stripe, mailer: mailer, webhooks: CustomerWebhookClient(http: http), sms: sms)
        var options = EffectWorkers.Options()
        options.retry.maxAttempts = settings.effectMaxAttempts
        let workers = EffectWorkers(executors: set.executors(webhookSecrets: webhookSecrets), options: options,
                                    counters: metrics.effects, logger: logger, publicURL: publicURL)
        let reconciliation = ProviderReconciliation(didww: didwwClient, stripe: stripe,
                                                    interval: .seconds(settings.reconcileIntervalSeconds), logger: logger)
        return Fulfilment(workers: workers, reconciliation: reconciliation, simulators: simulators, simulatedNotice: notice)
    }

    /// The voice trunk the simulated DIDWW routes DIDs to.
    static let simulatedTrunk = "sim-voice-trunk"

    /// After recovery: run what is pending, then keep reconciling.
    func start(engine: NumberEngine, ingestStripe: @escaping @Sendable ([UInt8]) async -> Void) {
        workers.start(engine: engine)
        reconciliation.start(engine: engine, ingestStripe: ingestStripe)
    }

    /// Stops the loops and the workers (running attempts finish and journal their results), then the simulators.
    func stop() async {
        await reconciliation.stop()
        await workers.stop()
        await simulators?.shutdown()
    }
}
