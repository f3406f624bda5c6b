/// `/api/numbers...` and `/api/stream` (bearer `NUMNINJA_API_TOKEN`).
struct NumbersEndpoints: Sendable {
    let context: ServiceContext

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        .error(status: 501, code: "not_implemented", message: "The numbers API is not available yet.")
    }
}
