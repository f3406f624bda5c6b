/// Connection settings of the DIDWW API v3 (`NUMNINJA_DIDWW_API_URL`, `NUMNINJA_DIDWW_API_KEY`).
public struct DIDWWClientConfiguration: Sendable {
    /// The API root including `/v3` (`https://api.didww.com/v3`).
    public var baseURL: String
    public var apiKey: String
    /// Pinned so a DIDWW release never changes the shapes we read (`X-DIDWW-API-Version`).
    public var apiVersion: String

    public init(baseURL: String, apiKey: String, apiVersion: String = "2026-04-16") {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.apiVersion = apiVersion
    }
}

/// The DIDWW API v3 calls provisioning, routing, release and reconciliation need (JSON:API).
/// Every method throws `ProviderError`, classified retryable or permanent.
public struct DIDWWClient: Sendable {
    public static let provider = "didww"
    public let configuration: DIDWWClientConfiguration
    private let http: HTTPClient

    public init(configuration: DIDWWClientConfiguration, http: HTTPClient) {
        self.configuration = configuration
        self.http = http
    }

    /// `POST /v3/orders`.
    public func createOrder(_ order: DIDWWOrderRequest) async throws(ProviderError) -> DIDWWOrder {
        let body = DIDWWClient.orderBody(order)
        let response = try await send("POST", "/orders", body: Array(body.utf8))
        return DIDWWOrder(try JSONAPIDocument.single(response.body, provider: Self.provider))
    }

    /// The order created with `externalReferenceID`, if any (`GET /v3/orders?filter[external_reference_id]=`).
    public func findOrder(externalReferenceID: String) async throws(ProviderError) -> DIDWWOrder? {
        let query = FormEncoding.encode([("filter[external_reference_id]", externalReferenceID)])
        let response = try await send("GET", "/orders?" + query)
        return try JSONAPIDocument.list(response.body, provider: Self.provider).resources.first.map(DIDWWOrder.init)
    }

    /// `GET /v3/orders/{id}`.
    public func order(id: String) async throws(ProviderError) -> DIDWWOrder {
        let response = try await send("GET", "/orders/" + FormEncoding.escape(id))
        return DIDWWOrder(try JSONAPIDocument.single(response.body, provider: Self.provider))
    }

    /// Cancels a pending order (`DELETE /v3/orders/{id}`).
    public func cancelOrder(id: String) async throws(ProviderError) {
        _ = try await send("DELETE", "/orders/" + FormEncoding.escape(id))
    }

    /// The DIDs an order bought (`GET /v3/dids?filter[order.id]=`).
    public func dids(orderID: String) async throws(ProviderError) -> [DIDWWDID] {
        try await listDIDs(DIDWWDIDFilter(orderID: orderID), page: 1, pageSize: 100).dids
    }

    /// `GET /v3/dids` with filters and paging (`page[number]` from 1).
    public func listDIDs(_ filter: DIDWWDIDFilter = DIDWWDIDFilter(), page: Int = 1, pageSize: Int = 100) async throws(ProviderError) -> DIDWWDIDPage {
        let pairs = filter.queryPairs + [("page[number]", String(page)), ("page[size]", String(pageSize))]
        let response = try await send("GET", "/dids?" + FormEncoding.encode(pairs))
        let (resources, document) = try JSONAPIDocument.list(response.body, provider: Self.provider)
        let total = document["meta.total_records"]?.int64.map { Int($0) }
        return DIDWWDIDPage(dids: resources.map(DIDWWDID.init), page: page, totalRecords: total)
    }

    /// `GET /v3/dids/{id}`.
    public func did(id: String) async throws(ProviderError) -> DIDWWDID {
        let response = try await send("GET", "/dids/" + FormEncoding.escape(id))
        return DIDWWDID(try JSONAPIDocument.single(response.body, provider: Self.provider))
    }

    /// Routes the DID's calls to a voice IN trunk (`PATCH /v3/dids/{id}`, relationship `voice_in_trunk`).
    public func assignVoiceTrunk(didID: String, trunkID: String) async throws(ProviderError) -> DIDWWDID {
        var trunk = JSONObject()
        trunk.set("type", "voice_in_trunks")
        trunk.set("id", trunkID)
        let body = DIDWWClient.didBody(id: didID, attributes: nil, relationships: "{\"voice_in_trunk\":{\"data\":\(trunk.string)}}")
        let response = try await send("PATCH", "/dids/" + FormEncoding.escape(didID), body: Array(body.utf8))
        return DIDWWDID(try JSONAPIDocument.single(response.body, provider: Self.provider))
    }

    /// Releases the DID (`PATCH /v3/dids/{id}` with `terminated: true`).
    public func terminateDID(id: String) async throws(ProviderError) -> DIDWWDID {
        let body = DIDWWClient.didBody(id: id, attributes: "{\"terminated\":true}", relationships: nil)
        let response = try await send("PATCH", "/dids/" + FormEncoding.escape(id), body: Array(body.utf8))
        return DIDWWDID(try JSONAPIDocument.single(response.body, provider: Self.provider))
    }

    // MARK: - Requests

    private func send(_ method: String, _ path: String, body: [UInt8] = []) async throws(ProviderError) -> HTTPClientResponse {
        var headers = [HTTPField(name: "Api-Key", value: configuration.apiKey),
                       HTTPField(name: "Accept", value: "application/vnd.api+json"),
                       HTTPField(name: "X-DIDWW-API-Version", value: configuration.apiVersion)]
        if !body.isEmpty { headers.append(HTTPField(name: "Content-Type", value: "application/vnd.api+json")) }
        let request = HTTPClientRequest(method: method, url: configuration.baseURL + path, headers: headers, body: body)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw ProviderError.transport(error, provider: Self.provider)
        }
        guard (200..<300).contains(response.status) else { throw JSONAPIDocument.failure(response, provider: Self.provider) }
        return response
    }

    static func orderBody(_ order: DIDWWOrderRequest) -> String {
        let items = order.items.map { item -> String in
            var attributes = JSONObject()
            attributes.set("sku_id", item.skuID)
            if let available = item.availableDIDID { attributes.set("available_did_id", available) }
            if let quantity = item.quantity { attributes.set("qty", quantity) }
            var entry = JSONObject()
            entry.set("type", "did_order_items")
            entry.setRaw("attributes", attributes.string)
            return entry.string
        }
        var attributes = JSONObject()
        if let allow = order.allowBackOrdering { attributes.set("allow_back_ordering", allow) }
        attributes.setRaw("items", "[" + items.joined(separator: ",") + "]")
        if let url = order.callbackURL {
            attributes.set("callback_url", url)
            attributes.set("callback_method", order.callbackMethod)
        }
        if let reference = order.externalReferenceID { attributes.set("external_reference_id", reference) }
        var data = JSONObject()
        data.set("type", "orders")
        data.setRaw("attributes", attributes.string)
        return "{\"data\":\(data.string)}"
    }

    static func didBody(id: String, attributes: String?, relationships: String?) -> String {
        var data = JSONObject()
        data.set("id", id)
        data.set("type", "dids")
        if let attributes { data.setRaw("attributes", attributes) }
        if let relationships { data.setRaw("relationships", relationships) }
        return "{\"data\":\(data.string)}"
    }
}
