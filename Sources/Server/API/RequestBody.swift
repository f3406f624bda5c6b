/// Why a request body or parameter is refused: 400 with the offending field named in the message.
struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    var code: String
    /// The field (`didww.sku_id`) or parameter, as the client wrote it.
    var field: String?
    var message: String

    init(code: String = "invalid_payload", field: String?, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    static func field(_ name: String, _ problem: String) -> RequestError {
        RequestError(field: name, "\(name): \(problem)")
    }

    static func parameter(_ name: String, _ problem: String) -> RequestError {
        RequestError(code: "invalid_parameter", field: name, "\(name): \(problem)")
    }

    var description: String { message }

    var response: HTTPResponse { .error(status: 400, code: code, message: message) }
}

/// A JSON object body read strictly: every member must be known, and each is taken with its expected
/// type. `null` counts as absent for optional fields (and means "clear" where the endpoint says so).
struct RequestObject {
    let value: JSONValue
    /// Field path prefix for messages (`forward.`).
    let prefix: String

    /// Parses a whole body; it must be one JSON object.
    static func parse(_ body: [UInt8]) throws(RequestError) -> RequestObject {
        guard !body.isEmpty else { throw RequestError(field: nil, "The body must be a JSON object; it is empty.") }
        let document: JSONDocument
        do {
            document = try JSONScanner.parse(body, limits: JSONScanner.Limits(maxDepth: 8))
        } catch {
            throw RequestError(field: nil, "The body is not valid JSON (\(error.reason.rawValue) at byte \(error.offset)).")
        }
        guard document.root.kind == .object else { throw RequestError(field: nil, "The body must be a JSON object.") }
        return RequestObject(value: document.root, prefix: "")
    }

    func name(_ key: String) -> String { prefix + key }

    /// Refuses members outside `known` (a typo would otherwise be silently ignored).
    func requireOnly(_ known: Set<String>) throws(RequestError) {
        var unknown: String?
        value.forEachMember { key, _ in
            if unknown == nil, !known.contains(key) { unknown = key }
        }
        if let unknown { throw .field(name(unknown), "unknown field (expected one of \(known.sorted().joined(separator: ", ")))") }
    }

    func has(_ key: String) -> Bool { value[key] != nil }

    func isNull(_ key: String) -> Bool { value[key]?.isNull == true }

    /// A string member; nil when absent or null.
    func string(_ key: String) throws(RequestError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let text = member.string else { throw .field(name(key), "must be a string") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .field(name(key), "must not contain control characters")
        }
        return text
    }

    func requiredString(_ key: String) throws(RequestError) -> String {
        guard let text = try string(key) else { throw .field(name(key), "is required") }
        return text
    }

    /// An integer member; nil when absent or null.
    func integer(_ key: String) throws(RequestError) -> Int64? {
        guard let member = value[key], !member.isNull else { return nil }
        guard member.kind == .number else { throw .field(name(key), "must be an integer") }
        guard let number = member.int64 else { throw .field(name(key), "must be a whole number within 64 bits") }
        return number
    }

    func requiredInteger(_ key: String) throws(RequestError) -> Int64 {
        guard let number = try integer(key) else { throw .field(name(key), "is required") }
        return number
    }

    /// A nested object; nil when absent or null.
    func object(_ key: String) throws(RequestError) -> RequestObject? {
        guard let member = value[key], !member.isNull else { return nil }
        guard member.kind == .object else { throw .field(name(key), "must be an object") }
        return RequestObject(value: member, prefix: name(key) + ".")
    }
}
