import NumberActors

// One inbound SMS from a DIDWW HTTP-IN trunk → the engine's `IncomingEvent` (DESIGN.md §Signatures, §Routing).
//
// The operator builds the request in the trunk's template from DIDWW's placeholders (`{SMS_UUID}`,
// `{SMS_SRC_ADDR}`, `{SMS_DST_ADDR}`, `{SMS_TEXT}`, `{SMS_TEXT_BASE64_ENCODED}`, `{SMS_TIME}`), so the same fields can
// arrive as query parameters (GET, DIDWW's default), a form body or a JSON body (POST/PUT):
// - `uuid` (required): the dedupe key on channel `sms` (DIDWW retries an undelivered SMS for an hour);
// - `from` (required), `to` (required, an E.164 number: the route key, compared as digits); both are
//   percent-decoded once more when DIDWW left them RFC 3986 encoded (`%2B44...`);
// - `text_base64` (preferred: exact bytes whatever the template's encoding) or `text`; empty text is a valid SMS.
//   Decoded bytes that are not UTF-8 are kept with replacement characters rather than refused, since a refusal
//   would only make DIDWW retry until the message expires;
// - `time` (optional): RFC 1123 as DIDWW writes it, ISO 8601 or Unix seconds; absent means the time of receipt.
// Body fields win over query fields of the same name; the query's `token` is the server's own and never a field.
// A multipart body is refused: configure the trunk's body as JSON or URL-encoded.

/// Translates inbound SMS requests. Stateless and `Sendable`.
public struct DIDWWSMSTranslator: Sendable {
    /// `IncomingEvent.channel` of inbound SMS.
    public static let channel = "sms"

    public init() {}

    /// - Parameters:
    ///   - body: the request body as received (empty for GET).
    ///   - contentType: the `Content-Type` header, if any.
    ///   - query: the raw query string, if any.
    ///   - receivedAt: the event time when the SMS has no `time`.
    public func translate(body: [UInt8], contentType: String?, query: Substring?,
                          receivedAt: UnixSeconds) throws(DIDWWInputError) -> IncomingEvent {
        let fields = try Self.fields(body: body, contentType: contentType, query: query)
        let uuid = try fields.required("uuid")
        // A `+` left unescaped in a form or query value arrives as a space: trim it.
        let from = Self.trimmed(PercentText.decode(try fields.required("from")))
        let to = Self.trimmed(PercentText.decode(try fields.required("to")))
        guard !from.isEmpty else { throw DIDWWInputError(.missingField("from")) }
        guard let digits = E164.digits(to) else { throw DIDWWInputError(.invalidField("to", expected: "an E.164 number")) }
        let text = try Self.text(fields)
        var time = receivedAt
        if let written = fields["time"], !written.isEmpty {
            guard let parsed = ProviderTime.parse(written) else {
                throw DIDWWInputError(.invalidField("time", expected: "an RFC 1123 or ISO 8601 time, or Unix seconds"))
            }
            time = parsed
        }
        return IncomingEvent(channel: Self.channel, keys: [RouteKey(.e164, digits)],
                             source: EventSource(eventID: uuid, time: time),
                             payload: .smsReceived(InboundSMS(from: from, to: "+" + digits, text: text)))
    }

    static func trimmed(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let start = bytes.firstIndex(where: { !isWhitespace($0) }) else { return "" }
        let end = bytes.lastIndex(where: { !isWhitespace($0) })!
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    static func text(_ fields: Fields) throws(DIDWWInputError) -> String {
        if let encoded = fields["text_base64"] {
            guard let bytes = Base64Text.decode(encoded) else {
                throw DIDWWInputError(.invalidField("text_base64", expected: "Base64"))
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let text = fields["text"] else { throw DIDWWInputError(.missingField("text or text_base64")) }
        return text
    }

    /// The SMS fields from the query and the body (which wins).
    static func fields(body: [UInt8], contentType: String?, query: Substring?) throws(DIDWWInputError) -> Fields {
        var fields = Fields()
        for (key, value) in QueryParameters(query).pairs where !DIDWWSignature.serverQueryParameters.contains(Array(key.utf8)) {
            fields.set(key, value)
        }
        let type = contentType?.lowercased() ?? ""
        guard let first = body.first(where: { !Self.isWhitespace($0) }) else { return fields }
        if type.hasPrefix("multipart/") {
            throw DIDWWInputError(.unsupportedBody("a multipart body is not accepted; send the SMS as JSON, a URL-encoded form or query parameters"))
        }
        if type.contains("json") || first == UInt8(ascii: "{") {
            try readJSON(body, into: &fields)
        } else {
            for (key, value) in QueryParameters(bytes: body).pairs { fields.set(key, value) }
        }
        return fields
    }

    static func readJSON(_ body: [UInt8], into fields: inout Fields) throws(DIDWWInputError) {
        let document: JSONDocument
        do {
            document = try JSONScanner.parse(body)
        } catch {
            throw DIDWWInputError(.malformedJSON(error))
        }
        guard document.root.kind == .object else { throw DIDWWInputError(.notAnObject) }
        var failure: DIDWWInputError?
        document.root.forEachMember { key, value in
            switch value.kind {
            case .string: fields.set(key, value.string ?? "")
            case .number: fields.set(key, value.numberText ?? "")
            case .null: fields.remove(key)
            default:
                // Fields of the operator's own that this endpoint does not read may be anything.
                if Self.fieldNames.contains(key) { failure = failure ?? DIDWWInputError(.invalidField(key, expected: "a string")) }
            }
        }
        if let failure { throw failure }
    }

    static let fieldNames: Set<String> = ["uuid", "from", "to", "text", "text_base64", "time"]

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    /// Named text fields; a later value for a name replaces an earlier one.
    struct Fields {
        private var values: [String: String] = [:]

        mutating func set(_ name: String, _ value: String) { values[name] = value }
        mutating func remove(_ name: String) { values[name] = nil }

        subscript(name: String) -> String? { values[name] }

        func required(_ name: String) throws(DIDWWInputError) -> String {
            guard let value = values[name], !value.isEmpty else { throw DIDWWInputError(.missingField(name)) }
            return value
        }
    }
}
