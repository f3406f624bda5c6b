/// Reading JSON:API documents (DIDWW API v3 and its Outbound SMS API): resources, attributes, to-one
/// relationship ids, and the first entry of an `errors` array.
struct JSONAPIResource {
    let value: JSONValue

    var id: String { value["id"]?.string ?? "" }
    var type: String { value["type"]?.string ?? "" }

    func string(_ attribute: String) -> String? {
        guard let field = value["attributes"]?[attribute], !field.isNull else { return nil }
        return field.string ?? field.numberText
    }

    func bool(_ attribute: String) -> Bool? { value["attributes"]?[attribute]?.bool }

    func int(_ attribute: String) -> Int? { value["attributes"]?[attribute]?.int64.map { Int($0) } }

    /// The id in `relationships.<name>.data`, when the document carries the linkage.
    func relationshipID(_ name: String) -> String? { value["relationships"]?[name]?["data"]?["id"]?.string }
}

enum JSONAPIDocument {
    static func parse(_ body: [UInt8], provider: String) throws(ProviderError) -> JSONDocument {
        do {
            return try JSONScanner.parse(body)
        } catch {
            throw ProviderError(kind: .retryable, provider: provider, message: "unreadable response body: \(error)")
        }
    }

    static func single(_ body: [UInt8], provider: String) throws(ProviderError) -> JSONAPIResource {
        let document = try parse(body, provider: provider)
        guard let data = document["data"], data.kind == .object else {
            throw ProviderError(kind: .retryable, provider: provider, message: "response without a data object")
        }
        return JSONAPIResource(value: data)
    }

    static func list(_ body: [UInt8], provider: String) throws(ProviderError) -> (resources: [JSONAPIResource], document: JSONDocument) {
        let document = try parse(body, provider: provider)
        guard let data = document["data"], data.kind == .array else {
            throw ProviderError(kind: .retryable, provider: provider, message: "response without a data array")
        }
        return (data.elements.map(JSONAPIResource.init), document)
    }

    /// The failure a non-2xx JSON:API answer describes (`errors[0]`: `code`, `detail` or `title`).
    static func failure(_ response: HTTPClientResponse, provider: String) -> ProviderError {
        let first = (try? JSONScanner.parse(response.body))?["errors[0]"]
        let code = first?["code"]?.string
        let message = first?["detail"]?.string ?? first?["title"]?.string ?? "HTTP \(response.status)"
        return .http(response, provider: provider, code: code, message: message)
    }
}
