/// `application/x-www-form-urlencoded` pairs of a query string or form body (`+` is a space, then
/// percent-decoding), in order, repeated keys kept. Invalid UTF-8 decodes with replacement characters.
struct QueryParameters: Sendable {
    let pairs: [(key: String, value: String)]

    init(_ raw: Substring?) {
        self.init(bytes: raw.map { Array($0.utf8) } ?? [])
    }

    init(bytes: [UInt8]) {
        pairs = DIDWWSignature.decodeForm(bytes).map {
            (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
        }
    }

    func first(_ key: String) -> String? { pairs.first { $0.key == key }?.value }
}
