/// DIDWW's callers: order callbacks (signed), the SMS HTTP-IN trunk, CDR streaming, and the voice platform.
struct DIDWWWebhookEndpoints: Sendable {
    let context: ServiceContext

    func orderCallback(_ request: HTTPRequest) async -> HTTPResponse { Self.notYet() }
    func sms(_ request: HTTPRequest) async -> HTTPResponse { Self.notYet() }
    func cdrBatch(_ request: HTTPRequest) async -> HTTPResponse { Self.notYet() }
    func voice(_ request: HTTPRequest) async -> HTTPResponse { Self.notYet() }

    static func notYet() -> HTTPResponse {
        .error(status: 501, code: "not_implemented", message: "This endpoint is not available yet.")
    }
}
