/// `/healthz` (the process runs), `/readyz` (recovered and the journal accepts writes) and `/metrics`.
struct OperationsEndpoints: Sendable {
    let context: ServiceContext

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        switch path {
        case "/healthz":
            return .json(status: 200, "{\"status\": \"ok\"}")
        case "/readyz":
            guard context.engine != nil else { return context.unavailable() }
            return .json(status: 200, "{\"ready\": true}")
        default:
            return .error(status: 501, code: "not_implemented", message: "Metrics are not available yet.")
        }
    }
}
