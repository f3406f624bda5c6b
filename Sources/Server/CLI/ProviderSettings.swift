/// The outbound providers `serve` talks to (CONTRACT §Configuration). A provider counts as configured when
/// its URL is set; then its credentials must be set too (a usage error otherwise), and it is never simulated.
struct ProviderSettings: Sendable, Equatable {
    struct DIDWW: Sendable, Equatable {
        var apiURL: String
        var apiKey: String
        var trunkID: String?
    }

    struct DIDWWSMS: Sendable, Equatable {
        var url: String
        var user: String
        var password: String
    }

    struct Stripe: Sendable, Equatable {
        var apiURL: String
        var apiKey: String
    }

    struct Mail: Sendable, Equatable {
        var smtpURL: String
        var from: String
    }

    static let defaultMailFrom = "NumNinja <no-reply@numninja.invalid>"

    var didww: DIDWW?
    var didwwSMS: DIDWWSMS?
    var stripe: Stripe?
    var mail: Mail?
    /// `NUMNINJA_MAIL_FROM` also applies to the SMTP sink when mail is simulated.
    var mailFrom = ProviderSettings.defaultMailFrom

    init() {}

    /// `value(flag)` gives the flag or variable's name (for messages) and its text, or nil when unset.
    init(_ value: (String) -> (name: String, text: String)?) throws {
        func url(_ flag: String) throws -> String? {
            guard let (name, text) = value(flag) else { return nil }
            guard HTTPClientURL(text) != nil else { throw UsageError("\(name) must be an http:// or https:// URL, got '\(text)'") }
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        func required(_ flag: String, for provider: String) throws -> String {
            guard let (_, text) = value(flag) else {
                let variable = ServeSettings.variables.first { $0.flag == flag }?.variable ?? flag
                throw UsageError("\(variable) (or --\(flag)) is required when \(provider) is configured")
            }
            return text
        }
        if let (_, text) = value("mail-from") { mailFrom = text }
        if let apiURL = try url("didww-api-url") {
            didww = DIDWW(apiURL: apiURL, apiKey: try required("didww-api-key", for: "NUMNINJA_DIDWW_API_URL"),
                          trunkID: value("didww-trunk-id")?.text)
        }
        if let smsURL = try url("didww-sms-url") {
            didwwSMS = DIDWWSMS(url: smsURL, user: try required("didww-sms-user", for: "NUMNINJA_DIDWW_SMS_URL"),
                                password: try required("didww-sms-password", for: "NUMNINJA_DIDWW_SMS_URL"))
        }
        if let stripeURL = try url("stripe-api-url") {
            stripe = Stripe(apiURL: stripeURL, apiKey: try required("stripe-api-key", for: "NUMNINJA_STRIPE_API_URL"))
        }
        if let (name, text) = value("smtp-url") {
            guard SMTPConfiguration(url: text, from: mailFrom) != nil else {
                throw UsageError("\(name) must be smtp://[user:pass@]host[:port] or smtps://..., got '\(text)'")
            }
            mail = Mail(smtpURL: text, from: mailFrom)
        }
    }

    /// True when at least one provider is left to a simulator.
    var simulatesAny: Bool { didww == nil || didwwSMS == nil || stripe == nil || mail == nil }
}
