/// A set of static tokens (several at once, for rotation) compared in constant time: the time a
/// comparison takes depends only on the lengths, never on where a guess first differs.
struct AccessTokens: Sendable {
    private let tokens: [[UInt8]]

    init(_ tokens: [String]) {
        self.tokens = tokens.map { Array($0.utf8) }
    }

    /// True when `candidate` equals any configured token. Every token is compared, match or not.
    func accepts(_ candidate: some Collection<UInt8>) -> Bool {
        let bytes = Array(candidate)
        var matched = false
        for token in tokens where Self.constantTimeEquals(token, bytes) { matched = true }
        return matched && !bytes.isEmpty
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// Where a request carries its token, per CONTRACT.md: inbound endpoints take `X-NumNinja-Token` or
/// `?token=`; the API takes `Authorization: Bearer`, and the SSE streams also `?access_token=`.
enum RequestToken {
    static func inbound(_ request: HTTPRequest) -> [UInt8]? {
        if let header = request.headers.firstValueBytes("X-NumNinja-Token") { return Array(header) }
        return QueryParameters(request.query).first("token").map { Array($0.utf8) }
    }

    static func bearer(_ request: HTTPRequest, allowQuery: Bool = false) -> [UInt8]? {
        if let header = request.headers.firstValueBytes("Authorization") {
            let bytes = Array(header)
            let prefix = Array("bearer ".utf8)
            guard bytes.count > prefix.count,
                  zip(bytes.prefix(prefix.count), prefix).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) else { return nil }
            return Array(bytes.dropFirst(prefix.count).drop { $0 == 0x20 })
        }
        guard allowQuery else { return nil }
        return QueryParameters(request.query).first("access_token").map { Array($0.utf8) }
    }

    static func unauthorized() -> HTTPResponse {
        .error(status: 401, code: "unauthorized", message: "A valid token is required.")
    }
}
