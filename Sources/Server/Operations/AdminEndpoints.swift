/// `/admin/*` (bearer `NUMNINJA_API_TOKEN`): status, snapshots, parked events, effects, operator actions.
struct AdminEndpoints: Sendable {
    let context: ServiceContext

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        Routes.notFound()
    }
}
