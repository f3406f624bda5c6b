import NumberActors

/// `GET /admin/unroutable`, `POST /admin/unroutable/{id}/assign` `{"number"}` and `/discard`.
///
/// The list: `{"unroutable": [{"id", "channel", "event_id", "kind", "received_at", "keys", "why"}]}`, oldest
/// first; `id` is the journal sequence that parked the event. Assign and discard need `X-Operator`; assigning
/// needs a number some event already named (a typo must not create a number). Assign answers
/// `{"assigned": id, "number": <the number, with the event applied>}`, discard `{"discarded": id}`.
extension AdminEndpoints {
    func unroutable() -> HTTPResponse {
        guard let engine = context.engine else { return context.unavailable() }
        let items = engine.parkedEvents.map(Self.parkedJSON)
        return .json(status: 200, "{\"unroutable\":[" + items.joined(separator: ",") + "]}")
    }

    static func parkedJSON(_ parked: ParkedEvent) -> String {
        var json = JSONObject()
        json.set("id", parked.id)
        json.set("channel", parked.event.channel)
        json.set("event_id", parked.event.source.eventID)
        json.set("kind", parked.event.payload.kindName)
        json.set("received_at", JSONText.timestamp(nanos: parked.time))
        json.setRaw("keys", "[" + parked.event.keys.map { JSONText.quote($0.description) }.joined(separator: ",") + "]")
        json.set("why", why(parked.event))
        return json.string
    }

    static func why(_ event: IncomingEvent) -> String {
        if case .unreadableRecord(let source, let reason, let excerpt) = event.payload {
            return "A \(source) record that could not be read (\(reason)): \(excerpt)"
        }
        if event.keys.isEmpty {
            return "It names no number and carries no key (subscription, customer, charge, ...) that could lead to one."
        }
        let keys = event.keys.map(\.description).joined(separator: ", ")
        return "It names no number, and no number is known for its keys (\(keys)); a customer key routes only when the customer has exactly one number."
    }

    static func assignment(_ body: [UInt8]) throws(RequestError) -> String {
        let object = try RequestObject.parse(body)
        try object.requireOnly(["number"])
        let number = try object.requiredString("number")
        guard !number.isEmpty, number.utf8.count <= 255 else { throw .field("number", "must be a number id") }
        return number
    }

    func assign(_ id: UInt64, _ request: HTTPRequest) async -> HTTPResponse {
        let name: String
        switch Self.operatorName(request) {
        case .failure(let error): return error.response
        case .success(let value): name = value
        }
        let number: String
        do { number = try Self.assignment(request.body) } catch { return error.response }
        guard let engine = context.engine else { return context.unavailable() }
        guard engine.parkedEvents.contains(where: { $0.id == id }) else { return Self.parkedNotFound(id) }
        guard await engine.number(number) != nil else { return APIAccess.numberNotFound(number) }
        do {
            _ = try await engine.assignParked(id, to: number, operatorName: name)
        } catch EngineError.unknownParked {
            return Self.parkedNotFound(id)
        } catch {
            return APIAccess.ingestFailure(error)
        }
        guard let entry = await engine.number(number) else { return APIAccess.internalError("The number \(number) cannot be read.") }
        return .json(status: 200, "{\"assigned\":\(id),\"number\":\(NumberJSON.render(entry.state))}")
    }

    func discard(_ id: UInt64, _ request: HTTPRequest) async -> HTTPResponse {
        let name: String
        switch Self.operatorName(request) {
        case .failure(let error): return error.response
        case .success(let value): name = value
        }
        guard let engine = context.engine else { return context.unavailable() }
        do {
            _ = try await engine.discardParked(id, operatorName: name)
        } catch EngineError.unknownParked {
            return Self.parkedNotFound(id)
        } catch {
            return APIAccess.ingestFailure(error)
        }
        return .json(status: 200, "{\"discarded\":\(id)}")
    }

    static func parkedNotFound(_ id: UInt64) -> HTTPResponse {
        .error(status: 404, code: "not_found", message: "No parked event \(id).")
    }
}
