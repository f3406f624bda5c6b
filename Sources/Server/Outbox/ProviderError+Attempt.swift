import NumberActors

/// How the outbox reads a provider failure (`ProviderError` comes from the outbound clients).
extension ProviderError {
    /// Failures raised by the outbox itself rather than by a provider's answer.
    static func retryable(_ message: String, provider: String = "outbox", retryAfter: Duration? = nil,
                          status: Int? = nil) -> ProviderError {
        ProviderError(kind: .retryable, provider: provider, status: status, message: message, retryAfter: retryAfter)
    }

    static func permanent(_ message: String, provider: String = "outbox", status: Int? = nil) -> ProviderError {
        ProviderError(kind: .permanent, provider: provider, status: status, message: message)
    }

    /// Any error as a provider error: an error the clients did not classify is retryable (a transport
    /// failure whose outcome is unknown).
    static func classify(_ error: any Error) -> ProviderError {
        if let error = error as? ProviderError { return error }
        if error is CancellationError { return .retryable("cancelled") }
        return .retryable("\(error)")
    }

    /// The attempt this error ends in, for executors without follow-ups.
    var attempt: EffectAttempt {
        switch kind {
        case .retryable: .retry(reason: description, after: retryAfter)
        case .permanent: .failed(description)
        }
    }
}
