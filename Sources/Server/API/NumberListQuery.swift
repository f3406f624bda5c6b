import NumberActors

/// `GET /api/numbers?customer=&state=&limit=&cursor=`: numbers sorted by id, filtered, one page at a time.
/// `state` takes one state or several separated by commas. `next_cursor` is null on the last page.
struct NumberListQuery: Sendable, Equatable {
    static let defaultLimit = 50
    static let maximumLimit = 500

    var customer: String?
    var states: Set<LifecycleState>?
    var limit = defaultLimit
    /// Ids after this one (the previous page's last).
    var after: String?

    static let parameters: Set<String> = ["customer", "state", "limit", "cursor"]

    static func parse(_ query: Substring?) throws(RequestError) -> NumberListQuery {
        let parameters = QueryParameters(query)
        var result = NumberListQuery()
        for (key, _) in parameters.pairs where !Self.parameters.contains(key) {
            throw .parameter(key, "unknown parameter (expected customer, state, limit or cursor)")
        }
        if let customer = parameters.first("customer") {
            guard !customer.isEmpty else { throw .parameter("customer", "must not be empty") }
            result.customer = customer
        }
        if let text = parameters.first("state") {
            var states: Set<LifecycleState> = []
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let state = LifecycleState(rawValue: String(name)) else {
                    throw .parameter("state", "'\(name)' is not one of \(LifecycleState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states.insert(state)
            }
            result.states = states
        }
        if let text = parameters.first("limit") {
            result.limit = try parseLimit(text, maximum: maximumLimit)
        }
        if let cursor = parameters.first("cursor") {
            guard let id = NumberCursor.decode(cursor) else { throw .parameter("cursor", "is not a cursor this server returned") }
            result.after = id
        }
        return result
    }

    static func parseLimit(_ text: String, maximum: Int) throws(RequestError) -> Int {
        guard text.utf8.count <= 6, text.allSatisfy(\.isASCIIDigit), let limit = Int(text), limit >= 1, limit <= maximum else {
            throw .parameter("limit", "must be a whole number from 1 to \(maximum)")
        }
        return limit
    }

    func matches(_ state: NumberState) -> Bool {
        if let customer, state.customer != customer { return false }
        if let states, !states.contains(state.state) { return false }
        return true
    }
}

/// The opaque page cursor: base64url (no padding) of `n:` + the last id of the page.
enum NumberCursor {
    static func encode(_ lastID: String) -> String {
        var text = Base64.encode(Array(("n:" + lastID).utf8))
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    static func decode(_ cursor: String) -> String? {
        guard !cursor.isEmpty, cursor.utf8.count <= 200 else { return nil }
        var values: [UInt8] = []
        for byte in cursor.utf8 {
            switch byte {
            case 0x41...0x5A: values.append(byte - 0x41)
            case 0x61...0x7A: values.append(byte - 0x61 + 26)
            case 0x30...0x39: values.append(byte - 0x30 + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for value in values {
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // Canonical only: leftover bits must be zero (so one id has exactly one cursor).
        guard buffer == 0, out.count > 2, out[0] == UInt8(ascii: "n"), out[1] == UInt8(ascii: ":") else { return nil }
        guard let id = String(validating: out.dropFirst(2), as: UTF8.self) else { return nil }
        return id
    }
}
