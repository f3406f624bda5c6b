import NumberActors

/// `GET /admin/effects?status=failed|pending&limit=` and `POST /admin/effects/{id}/retry`.
///
/// The list: `{"effects": [{"id", "number", "kind", "status", "details", "action": {...}}]}`: every outbox entry
/// not completed, those that failed for good first, then by id (number, version, index). `limit` defaults to
/// 100 (at most 1000).
///
/// Retry (needs `X-Operator`): 404 `not_found` for an effect in no outbox (unknown, or already completed); 409
/// `not_failed` for one still pending. A failed effect gets `effect_retried` journaled (with the operator), which
/// puts it back to pending, and the effect workers run it again from its first attempt; 200 with the effect.
extension AdminEndpoints {
    static let effectsDefaultLimit = 100
    static let effectsMaximumLimit = 1000

    struct EffectsQuery: Equatable {
        var failedOnly: Bool?
        var limit = AdminEndpoints.effectsDefaultLimit

        static func parse(_ query: Substring?) throws(RequestError) -> EffectsQuery {
            let parameters = QueryParameters(query)
            var result = EffectsQuery()
            for (key, _) in parameters.pairs where key != "status" && key != "limit" {
                throw .parameter(key, "unknown parameter (expected status or limit)")
            }
            if let status = parameters.first("status") {
                switch status {
                case "failed": result.failedOnly = true
                case "pending": result.failedOnly = false
                default: throw .parameter("status", "must be failed or pending")
                }
            }
            if let text = parameters.first("limit") {
                result.limit = try NumberListQuery.parseLimit(text, maximum: AdminEndpoints.effectsMaximumLimit)
            }
            return result
        }
    }

    func effects(_ request: HTTPRequest) async -> HTTPResponse {
        let query: EffectsQuery
        do { query = try EffectsQuery.parse(request.query) } catch { return error.response }
        guard let engine = context.engine else { return context.unavailable() }
        var entries: [OutboxEntry] = []
        await engine.forEachNumber { state in
            for entry in state.outbox where query.failedOnly == nil || query.failedOnly == entry.isFailed {
                entries.append(entry)
            }
        }
        entries.sort { a, b in a.isFailed != b.isFailed ? a.isFailed : a.effect.id < b.effect.id }
        let items = entries.prefix(query.limit).map(EffectJSON.render)
        return .json(status: 200, "{\"effects\":[" + items.joined(separator: ",") + "]}")
    }

    func retry(_ text: String, _ request: HTTPRequest) async -> HTTPResponse {
        let name: String
        switch Self.operatorName(request) {
        case .failure(let error): return error.response
        case .success(let value): name = value
        }
        guard let engine = context.engine else { return context.unavailable() }
        let notFound = HTTPResponse.error(status: 404, code: "not_found", message: "No effect \(text) is waiting in an outbox.")
        guard let id = EffectJSON.parseID(text), let entry = await engine.number(id.numberID),
              let outbox = entry.state.outbox.first(where: { $0.effect.id == id }) else { return notFound }
        guard outbox.isFailed else {
            return .error(status: 409, code: "not_failed", message: "The effect \(text) has not failed; it is still pending.")
        }
        let eventID = APIEvents.uniqueEventID(prefix: "op_retry_")
        let event = IncomingEvent(channel: APIEvents.operatorChannel, numberID: id.numberID,
                                  source: EventSource(eventID: eventID, time: APIEvents.nowSeconds()),
                                  payload: .effectRetried(effectID: id, operatorName: name))
        do { _ = try await engine.ingest(event) } catch { return APIAccess.ingestFailure(error) }
        context.effectWorkers?.retried(outbox.effect)
        guard let after = await engine.number(id.numberID),
              let entry = after.state.outbox.first(where: { $0.effect.id == id }) else {
            return APIAccess.internalError("The effect \(text) cannot be read.")
        }
        return .json(status: 200, EffectJSON.render(entry))
    }
}

extension OutboxEntry {
    var isFailed: Bool {
        if case .failed = status { return true }
        return false
    }
}
