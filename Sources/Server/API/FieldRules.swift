/// The plausibility rules for API fields. Strict on purpose: a bad value is refused with its field named
/// before anything is journaled, rather than discovered when a provider or a customer's inbox rejects it.
enum FieldRules {
    static let maxTextLength = 255
    static let maxURLLength = 2048

    /// `num_` + 1–60 of `A-Z a-z 0-9 _ -`: safe in a URL path, a Stripe metadata value and a log line.
    static func isNumberID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard bytes.count > 4, bytes.count <= 64, id.hasPrefix("num_") else { return false }
        return bytes.dropFirst(4).allSatisfy(isIDByte)
    }

    static func isIDByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// `+` then 8–15 digits, the first not 0 (ITU-T E.164: at most 15 digits, country codes never start with 0).
    static func isE164(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 9, bytes.count <= 16, bytes[0] == UInt8(ascii: "+"), bytes[1] != UInt8(ascii: "0") else { return false }
        return bytes.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Non-empty, at most 255 bytes, no leading or trailing spaces.
    static func isPlainText(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxTextLength && text.first != " " && text.last != " "
    }

    /// One `@` between a non-empty local part and a dotted domain, no spaces, at most 254 bytes.
    static func isEmail(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= 254, !bytes.contains(0x20) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }

    /// An absolute `http` or `https` URL with a host, at most 2048 bytes, no spaces or fragments.
    static func isWebhookURL(_ text: String) -> Bool {
        guard text.utf8.count <= maxURLLength, !text.contains(" "), !text.contains("#") else { return false }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@") else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || isPort(after) else { return false }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return false }
            host = pieces[0]
            if pieces.count == 2, !isPort(":" + pieces[1]) { return false }
        }
        return !host.isEmpty
    }

    private static func isPort(_ text: some StringProtocol) -> Bool {
        guard text.first == ":" else { return false }
        let digits = text.dropFirst()
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit), let port = Int(digits) else { return false }
        return port >= 1 && port <= 65_535
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
