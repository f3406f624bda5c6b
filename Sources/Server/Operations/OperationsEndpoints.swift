/// `/healthz` (the process runs), `/readyz` (recovered and the journal accepts writes) and `/metrics`
/// (Prometheus text format 0.0.4, no authentication: bind it to a network only the scraper reaches).
struct OperationsEndpoints: Sendable {
    let context: ServiceContext

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        switch path {
        case "/healthz":
            return .json(status: 200, "{\"status\": \"ok\"}")
        case "/readyz":
            guard context.healthyEngine != nil else { return context.unavailable() }
            return .json(status: 200, "{\"ready\": true}")
        default:
            return await metrics()
        }
    }

    func metrics() async -> HTTPResponse {
        var gauges: EngineGauges?
        if let engine = context.engine { gauges = await EngineGauges.collect(engine, workers: context.effectWorkers) }
        let text = context.metrics.render(engine: gauges)
        return HTTPResponse(status: 200, headers: [HTTPField(name: "Content-Type", value: PrometheusText.contentType)],
                            body: Array(text.utf8))
    }
}
