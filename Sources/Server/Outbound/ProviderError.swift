/// A provider call that did not succeed, classified for the outbox: a retryable failure may succeed later
/// (timeouts, connection failures, 5xx, 429, 408, a 4xx SMTP reply), a permanent one will not until something
/// changes (other 4xx, 5xx SMTP replies: a bad request, insufficient balance, an unknown resource).
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case retryable
        case permanent
    }

    public var kind: Kind
    /// The provider, for messages and metrics (`didww`, `didww_sms`, `stripe`, `smtp`, `webhook`).
    public var provider: String
    /// HTTP status or SMTP reply code; nil when no answer came (transport failure).
    public var status: Int?
    /// The provider's own error code when it gave one (Stripe `code`, JSON:API `code`).
    public var code: String?
    public var message: String
    /// How long the provider asked us to wait (`Retry-After`), when it did.
    public var retryAfter: Duration?

    public init(kind: Kind, provider: String, status: Int? = nil, code: String? = nil, message: String,
                retryAfter: Duration? = nil) {
        self.kind = kind
        self.provider = provider
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var isRetryable: Bool { kind == .retryable }

    public var description: String {
        var text = "\(provider) \(kind.rawValue) failure"
        if let status { text += " (\(status))" }
        if let code { text += " [\(code)]" }
        return text + ": " + message
    }

    /// Transport failures never reached the provider's logic (or it never answered): try again later.
    /// A refused certificate is retryable too: it needs an operator, but the work itself is still valid.
    public static func transport(_ error: HTTPClientError, provider: String) -> ProviderError {
        switch error {
        case .invalidURL, .invalidRequest:
            ProviderError(kind: .permanent, provider: provider, message: error.description)
        case .io(let io):
            ProviderError(kind: .retryable, provider: provider, code: io.isTimeout ? "timeout" : nil, message: io.description)
        }
    }

    /// Classifies a non-2xx HTTP answer.
    public static func http(_ response: HTTPClientResponse, provider: String, code: String?, message: String) -> ProviderError {
        let retryable = response.status >= 500 || response.status == 429 || response.status == 408
        return ProviderError(kind: retryable ? .retryable : .permanent, provider: provider, status: response.status,
                             code: code, message: message, retryAfter: retryAfter(response.header("Retry-After")))
    }

    /// `Retry-After` in delay-seconds form; an HTTP-date is not used by the providers we call.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Int(value.trimmingWhitespace), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 86_400))
    }
}
