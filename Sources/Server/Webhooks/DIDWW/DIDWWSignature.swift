import CCrypto

// DIDWW callback signatures (`X-DIDWW-Signature`), DESIGN.md §Signatures:
//
//   signature = lowercase hex(HMAC-SHA1(key = callback secret as UTF-8,
//                                       message = normalized_url + concat(key + value for keys in sorted byte order)))
//   normalized_url = scheme "://" [userinfo "@"] host ":" port path ["?" raw query] ["#" fragment]
//
// The normalization follows DIDWW's SDKs (their Python one is `urllib.parse.urlparse` based): the scheme and the host
// are lowercased (ASCII), the port is always written (443 for https, 80 for any other scheme when absent; a given
// port is written as a number, so `:080` is `:80`), an IPv6 host keeps its brackets, userinfo is `user[:password]@`
// and is dropped when the user part is empty, path, query and fragment are kept byte for byte, and an empty query or
// fragment (`...?` or `...#`) is left out. All 26 vectors of the shared fixture (copied from DIDWW's SDK suites) pass.
//
// Payload pairs are DIDWW's own parameters, already decoded as `application/x-www-form-urlencoded`: `+` becomes a
// space, then `%XY` (two hex digits) becomes that byte; a `%` that is not followed by two hex digits is kept as is
// (`%zz`, `%4`, a final `%`), like Python's `parse_qsl`/`unquote` and the WHATWG URL standard. Values stay bytes
// (no UTF-8 repair). Empty `&&` segments are skipped, a segment without `=` is a key with an empty value, and an
// empty value still contributes its key. When a key repeats, the last value wins (DIDWW never repeats one; the SDKs
// take a dictionary). Keys are sorted by their bytes (which is code point order for UTF-8).
//
// The signature compares in constant time with the lowercase hex digest, as the SDKs do (`hmac.compare_digest`):
// uppercase hex, or anything not 40 bytes long, does not match; an empty or missing signature is invalid.

/// One decoded `key=value` parameter.
public struct DIDWWPair: Sendable, Equatable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public init(_ key: String, _ value: String) {
        self.init(key: Array(key.utf8), value: Array(value.utf8))
    }
}

/// Why a DIDWW callback was refused; the raw value is the CONTRACT error code.
public enum DIDWWSignatureFailure: String, Error, Sendable, Equatable {
    /// Missing, empty or wrong signature (or a callback URL that cannot be normalized).
    case invalidSignature = "invalid_signature"

    public var code: String { rawValue }
}

public enum DIDWWSignatureVerdict: Sendable, Equatable {
    case verified
    case rejected(DIDWWSignatureFailure)

    public var isVerified: Bool { self == .verified }
}

/// A URL split into the parts the signature needs. Our own small splitter (`scheme://authority path?query#fragment`),
/// not Foundation's URL, which would re-encode the path and query.
public struct DIDWWURL: Sendable, Equatable {
    /// Lowercased.
    public var scheme: String
    /// `user` or `user:password`, as sent; nil when absent or with an empty user part.
    public var userinfo: String?
    /// Lowercased; an IPv6 literal is kept in brackets (`[::1]`).
    public var host: String
    /// The explicit port, or nil.
    public var port: Int?
    /// Exactly as sent (may be empty).
    public var path: String
    /// The raw query without `?`, nil when absent.
    public var query: String?
    /// The raw fragment without `#`, nil when absent.
    public var fragment: String?

    /// Splits `text`; nil when it has no `scheme://`, an unclosed `[`, or a port that is not a number in 0...65535.
    public static func parse(_ text: String) -> DIDWWURL? {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              bytes.count >= colon + 3, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let schemeBytes = bytes[0..<colon]
        guard isAlpha(schemeBytes.first!), schemeBytes.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "+")
            || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else { return nil }

        var rest = bytes[(colon + 3)...]
        var fragment: String? = nil
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            fragment = string(rest[(hash + 1)...])
            rest = rest[..<hash]
        }
        var query: String? = nil
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = string(rest[(question + 1)...])
            rest = rest[..<question]
        }
        let authorityEnd = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = string(rest[authorityEnd...])

        var userinfo: String? = nil
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            let info = authority[..<at]
            let user = info.firstIndex(of: UInt8(ascii: ":")).map { info[..<$0] } ?? info
            let password = info.firstIndex(of: UInt8(ascii: ":")).map { info[($0 + 1)...] } ?? info[info.endIndex...]
            if !user.isEmpty { userinfo = password.isEmpty ? string(user) : string(user) + ":" + string(password) }
            authority = authority[(at + 1)...]
        }

        var host: ArraySlice<UInt8>
        var portText: ArraySlice<UInt8>? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[...close]
            let after = authority[(close + 1)...]
            if after.first == UInt8(ascii: ":") { portText = after.dropFirst() }
        } else if let c = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = authority[..<c]
            portText = authority[(c + 1)...]
        } else {
            host = authority
        }
        var port: Int? = nil
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(isDigit) else { return nil }
            let value = portText.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 65535 else { return nil }
            port = value
        }
        return DIDWWURL(scheme: string(schemeBytes).lowercasedASCII, userinfo: userinfo,
                        host: string(host).lowercasedASCII, port: port, path: path,
                        query: query, fragment: fragment)
    }

    /// The port used for signing: the explicit one, else 443 for https and 80 otherwise.
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// `scheme "://" [userinfo "@"] host ":" port path ["?" query] ["#" fragment]`.
    public var normalized: String {
        var out = scheme + "://"
        if let userinfo { out += userinfo + "@" }
        out += host + ":" + String(effectivePort) + path
        if let query, !query.isEmpty { out += "?" + query }
        if let fragment, !fragment.isEmpty { out += "#" + fragment }
        return out
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
    private static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }
    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

extension String {
    fileprivate var lowercasedASCII: String {
        String(decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

/// Building blocks: form decoding, the string to sign, the callback URL rebuild.
public enum DIDWWSignature {
    /// The server's own query parameters on the DIDWW callback URL: signed as part of the URL, never as pairs.
    public static let serverQueryParameters: Set<[UInt8]> = [Array("number".utf8), Array("token".utf8)]

    /// Decodes an `application/x-www-form-urlencoded` body or raw query into pairs, in order (see the header note).
    public static func decodeForm(_ bytes: some Collection<UInt8>) -> [DIDWWPair] {
        var pairs: [DIDWWPair] = []
        for segment in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = segment.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append(DIDWWPair(key: formUnescape(segment[..<eq]),
                                       value: formUnescape(segment[segment.index(after: eq)...])))
            } else {
                pairs.append(DIDWWPair(key: formUnescape(segment), value: []))
            }
        }
        return pairs
    }

    public static func decodeForm(_ text: String) -> [DIDWWPair] { decodeForm(Array(text.utf8)) }

    /// `+` is a space, then `%XY` is a byte; a `%` without two hex digits after it stays literal.
    public static func formUnescape(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let c = input[i]
            if c == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "%"), i + 2 < input.count, let hi = hexValue(input[i + 1]),
                      let lo = hexValue(input[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
                continue
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    /// The payload pairs of a GET callback: the query parameters other than the server's own (`number`, `token`).
    public static func getPayloadPairs(rawQuery: some Collection<UInt8>) -> [DIDWWPair] {
        decodeForm(rawQuery).filter { !serverQueryParameters.contains($0.key) }
    }

    public static func getPayloadPairs(rawQuery: String) -> [DIDWWPair] { getPayloadPairs(rawQuery: Array(rawQuery.utf8)) }

    /// The URL DIDWW called, rebuilt from the configured public base URL (`NUMNINJA_PUBLIC_URL`: scheme, host, port
    /// and any path prefix a proxy strips) and the request target as received (`/path[?raw query]`), never from the
    /// Host header. The base's own query and fragment, if any, are ignored. Nil when the base is not a URL.
    public static func callbackURL(publicBaseURL: String, requestTarget: String) -> String? {
        guard let base = DIDWWURL.parse(publicBaseURL) else { return nil }
        var prefix = base.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        var out = base.scheme + "://"
        if let userinfo = base.userinfo { out += userinfo + "@" }
        out += base.host
        if let port = base.port { out += ":" + String(port) }
        out += prefix
        if !requestTarget.hasPrefix("/") && !requestTarget.isEmpty && !requestTarget.hasPrefix("?") { out += "/" }
        return out + requestTarget
    }

    /// The same, from a path and a raw query kept apart (`rawQuery` nil when the target had no `?`).
    public static func callbackURL(publicBaseURL: String, path: String, rawQuery: String?) -> String? {
        callbackURL(publicBaseURL: publicBaseURL, requestTarget: rawQuery.map { path + "?" + $0 } ?? path)
    }

    /// `normalized_url + concat(key + value for keys in sorted byte order)`; nil when the URL does not parse.
    public static func stringToSign(url: String, pairs: [DIDWWPair]) -> [UInt8]? {
        guard let parsed = DIDWWURL.parse(url) else { return nil }
        var last: [[UInt8]: [UInt8]] = [:]
        for pair in pairs { last[pair.key] = pair.value }
        var message = Array(parsed.normalized.utf8)
        for key in last.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            message.append(contentsOf: key)
            message.append(contentsOf: last[key]!)
        }
        return message
    }

    /// The lowercase hex signature DIDWW sends for `url` and `pairs` under `secret`.
    public static func signature(secret: String, url: String, pairs: [DIDWWPair]) -> String? {
        guard let message = stringToSign(url: url, pairs: pairs) else { return nil }
        return hexHMAC(sha256: false, key: Array(secret.utf8), message: message)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Verifies `X-DIDWW-Signature` against one or more callback secrets (rotation). Immutable and `Sendable`.
public struct DIDWWSignatureVerifier: Sendable {
    private let keys: [[UInt8]]

    /// Empty secrets are dropped (an empty HMAC key would let anyone sign).
    public init(secrets: [String]) {
        keys = secrets.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    public var secretCount: Int { keys.count }

    /// - Parameters:
    ///   - url: the full URL DIDWW called (see `DIDWWSignature.callbackURL`).
    ///   - pairs: DIDWW's parameters: the decoded form body for POST, `getPayloadPairs(rawQuery:)` for GET.
    ///   - signature: the `X-DIDWW-Signature` value as received, nil when absent.
    public func verify(url: String, pairs: [DIDWWPair], signature: [UInt8]?) -> DIDWWSignatureVerdict {
        guard let signature, signature.count == 40, !keys.isEmpty,
              let message = DIDWWSignature.stringToSign(url: url, pairs: pairs)
        else { return .rejected(.invalidSignature) }
        var matched = false
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40 + 20) { buffer in
            let hex = buffer.baseAddress!
            let digest = hex + 40
            for key in keys {
                var length: UInt32 = 0
                let ok = key.withUnsafeBytes { k in
                    message.withUnsafeBufferPointer { m in
                        HMAC(EVP_sha1(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, digest, &length)
                    }
                }
                precondition(ok != nil && length == 20, "HMAC-SHA1 failed in libcrypto")
                writeLowerHex(digest, count: 20, to: hex)
                let equal = signature.withUnsafeBytes { CRYPTO_memcmp(hex, $0.baseAddress!, 40) == 0 }
                matched = matched || equal
            }
        }
        return matched ? .verified : .rejected(.invalidSignature)
    }

    public func verify(url: String, pairs: [DIDWWPair], signature: String?) -> DIDWWSignatureVerdict {
        verify(url: url, pairs: pairs, signature: signature.map { Array($0.utf8) })
    }
}
