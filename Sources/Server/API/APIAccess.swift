import NumberActors

/// What the numbers API and the admin endpoints share: the bearer check, path ids, engine errors.
enum APIAccess {
    /// Nil when the request carries `Authorization: Bearer <token>` with any configured API token.
    static func refusal(_ request: HTTPRequest, _ context: ServiceContext) -> HTTPResponse? {
        guard let token = RequestToken.bearer(request), context.apiTokens.accepts(token) else {
            return RequestToken.unauthorized()
        }
        return nil
    }

    /// A path segment percent-decoded; nil when empty, badly encoded, not UTF-8, or containing a control character.
    static func pathID(_ segment: Substring) -> String? {
        let bytes = Array(segment.utf8)
        guard !bytes.isEmpty, bytes.count <= 512 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let value = CustomerWebhookSecret.decodeHex([bytes[index + 1], bytes[index + 2]]) else {
                    return nil
                }
                out += value
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        guard !out.isEmpty, !out.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              let text = String(validating: out, as: UTF8.self) else { return nil }
        return text
    }

    static func numberNotFound(_ id: String) -> HTTPResponse {
        .error(status: 404, code: "not_found", message: "No number \(id).")
    }

    /// The answer when the engine refused an event: nothing was stored.
    static func ingestFailure(_ error: Error) -> HTTPResponse {
        switch error {
        case EngineError.eventTooLarge(let bytes, let limit):
            return .error(status: 400, code: "invalid_payload",
                          message: "The event (\(bytes) bytes) exceeds the journal's limit of \(limit) bytes.")
        default:
            return .error(status: 503, code: "unavailable", message: "The change was not stored (\(error)); retry later.")
        }
    }

    static func internalError(_ message: String) -> HTTPResponse {
        .error(status: 500, code: "internal_error", message: message)
    }

    /// A number as the API answers it.
    static func number(_ status: Int, _ state: NumberState, webhookSecret: String? = nil) -> HTTPResponse {
        .json(status: status, NumberJSON.render(state, webhookSecret: webhookSecret))
    }
}
