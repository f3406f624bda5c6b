/// Every provider simulator at once, for `serve` when providers are not configured and for end-to-end tests:
/// DIDWW (API and Outbound SMS), Stripe, an SMTP sink and a customer-webhook sink, each on its own loopback port.
public final class ProviderSimulators: Sendable {
    public let didww: DIDWWSimulator
    public let stripe: StripeSimulator
    public let smtp: SMTPSink
    public let webhooks: WebhookSink

    /// - Parameter didwwCallbackSecret: must be one of the server's `NUMNINJA_DIDWW_CALLBACK_SECRETS` so that the
    ///   simulated order callbacks verify.
    public init(didwwCallbackSecret: String, didwwCallbackDelay: Duration = .milliseconds(200)) throws {
        didww = try DIDWWSimulator(configuration: DIDWWSimulator.Configuration(callbackSecret: didwwCallbackSecret,
                                                                               callbackDelay: didwwCallbackDelay))
        stripe = try StripeSimulator()
        smtp = try SMTPSink()
        webhooks = try WebhookSink()
    }

    /// The provider settings that point at the simulators, by the names of CONTRACT §Configuration.
    public var environment: [(name: String, value: String)] {
        [("NUMNINJA_DIDWW_API_URL", didww.apiURL),
         ("NUMNINJA_DIDWW_API_KEY", didww.configuration.apiKey),
         ("NUMNINJA_DIDWW_SMS_URL", didww.smsURL),
         ("NUMNINJA_DIDWW_SMS_USER", didww.configuration.smsUsername),
         ("NUMNINJA_DIDWW_SMS_PASSWORD", didww.configuration.smsPassword),
         ("NUMNINJA_STRIPE_API_URL", stripe.url),
         ("NUMNINJA_STRIPE_API_KEY", stripe.apiKey),
         ("NUMNINJA_SMTP_URL", smtp.url)]
    }

    /// One line per simulator, for the loud start-up notice.
    public var summary: [String] {
        ["DIDWW API simulator at \(didww.apiURL) (Outbound SMS at \(didww.smsURL)/outbound_messages)",
         "Stripe API simulator at \(stripe.url)",
         "SMTP sink at \(smtp.url)",
         "customer webhook sink at \(webhooks.url)"]
    }

    public func shutdown() async {
        await didww.shutdown()
        await stripe.shutdown()
        await smtp.shutdown()
        await webhooks.shutdown()
    }
}
