/// Connection settings of DIDWW's Outbound SMS API (`NUMNINJA_DIDWW_SMS_URL`, `_USER`, `_PASSWORD`): the
/// credentials of an HTTP OUT trunk, sent with HTTP Basic authentication.
public struct DIDWWSMSClientConfiguration: Sendable {
    /// The API root (`https://sms-out.didww.com`); messages go to `<root>/outbound_messages`.
    public var baseURL: String
    public var username: String
    public var password: String

    public init(baseURL: String, username: String, password: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.username = username
        self.password = password
    }
}

/// One outbound SMS. Numbers are E.164; a leading `+` is removed (the API refuses it).
public struct DIDWWOutboundSMS: Sendable, Equatable {
    /// The sender: one of the trunk's DIDs.
    public var source: String
    public var destination: String
    public var content: String

    public init(source: String, destination: String, content: String) {
        self.source = source
        self.destination = destination
        self.content = content
    }
}

/// Sends SMS through DIDWW (`POST /outbound_messages`, JSON:API `outbound_messages`). The result of delivery
/// comes later to the trunk's callback URL; the answer only says DIDWW took the message.
public struct DIDWWSMSClient: Sendable {
    public static let provider = "didww_sms"
    public let configuration: DIDWWSMSClientConfiguration
    private let http: HTTPClient

    public init(configuration: DIDWWSMSClientConfiguration, http: HTTPClient) {
        self.configuration = configuration
        self.http = http
    }

    /// Submits the message; returns DIDWW's message id.
    public func send(_ message: DIDWWOutboundSMS) async throws(ProviderError) -> String {
        var attributes = JSONObject()
        attributes.set("destination", Self.digits(message.destination))
        attributes.set("source", Self.digits(message.source))
        attributes.set("content", message.content)
        var data = JSONObject()
        data.set("type", "outbound_messages")
        data.setRaw("attributes", attributes.string)
        let credentials = Base64.encode(Array("\(configuration.username):\(configuration.password)".utf8))
        let request = HTTPClientRequest(method: "POST", url: configuration.baseURL + "/outbound_messages", headers: [
            HTTPField(name: "Authorization", value: "Basic " + credentials),
            HTTPField(name: "Content-Type", value: "application/vnd.api+json"),
            HTTPField(name: "Accept", value: "application/vnd.api+json"),
        ], body: Array("{\"data\":\(data.string)}".utf8))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw ProviderError.transport(error, provider: Self.provider)
        }
        guard (200..<300).contains(response.status) else { throw JSONAPIDocument.failure(response, provider: Self.provider) }
        return try JSONAPIDocument.single(response.body, provider: Self.provider).id
    }

    static func digits(_ number: String) -> String {
        number.hasPrefix("+") ? String(number.dropFirst()) : number
    }
}
