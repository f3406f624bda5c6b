#if canImport(Glibc)
import Glibc
#endif

/// RFC 9110/9112 character classes and line-level grammar, on raw bytes.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")

    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// field-vchar / SP / HTAB, obs-text included (RFC 9110 §5.5); every other control byte (NUL, CR, LF, DEL) is refused.
    @inline(__always)
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Visible ASCII only: a request target must be percent-encoded, so spaces, controls and raw UTF-8 are refused.
    @inline(__always)
    static func isTargetChar(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// True when `bytes` equals `lowercase` ignoring ASCII case; `lowercase` must already be lower case.
    static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var pointer = lowercase.utf8Start
        for byte in bytes {
            if lowercased(byte) != pointer.pointee { return false }
            pointer += 1
        }
        return true
    }

    /// Calls `body` with every element of a comma-separated list, OWS trimmed; empty elements are skipped (RFC 9110 §5.6.1).
    static func forEachListElement(_ value: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Void) {
        var elementStart = value.startIndex
        var index = value.startIndex
        while index <= value.endIndex {
            if index == value.endIndex || value[index] == comma {
                let element = trimmed(value[elementStart..<index])
                if !element.isEmpty { body(element) }
                elementStart = index + 1
            }
            index += 1
        }
    }

    static func trimmed(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lower = slice.startIndex
        var upper = slice.endIndex
        while lower < upper, isWhitespace(slice[lower]) { lower += 1 }
        while upper > lower, isWhitespace(slice[upper - 1]) { upper -= 1 }
        return slice[lower..<upper]
    }

    // MARK: - Lines

    /// Finds CRLF-terminated lines incrementally: bytes already scanned are never scanned again, so feeding a
    /// request one byte at a time stays linear. Offsets are relative to the input's first byte, which the caller
    /// keeps in place until the lines it wants are consumed.
    struct LineScanner: Sendable {
        /// Start of the line being scanned (just after the previous line's LF).
        var lineStart = 0
        private var scanned = 0

        enum Result: Equatable {
            /// The line's bytes without its CRLF.
            case line(Range<Int>)
            case needMore
            /// No line ends within the first `limit` bytes.
            case limitReached
            /// An LF not preceded by CR.
            case bareLF
        }

        mutating func next(in input: UnsafeBufferPointer<UInt8>, limit: Int) -> Result {
            let end = min(input.count, limit)
            if scanned < end, let base = input.baseAddress,
               let found = memchr(base + scanned, Int32(HTTPSyntax.lf), end - scanned) {
                let lfIndex = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                guard lfIndex > lineStart, input[lfIndex - 1] == HTTPSyntax.cr else { return .bareLF }
                let line = lineStart..<(lfIndex - 1)
                lineStart = lfIndex + 1
                scanned = lfIndex + 1
                return .line(line)
            }
            scanned = max(scanned, end)
            return input.count >= limit ? .limitReached : .needMore
        }
    }

    // MARK: - Request line and field lines

    /// request-line = method SP request-target SP HTTP-version, with exactly one SP between parts (RFC 9112 §3).
    static func parseRequestLine(_ input: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Result<HTTPRequestLine, HTTPParseError> {
        var index = line.lowerBound
        while index < line.upperBound, isTokenChar(input[index]) { index += 1 }
        let methodEnd = index
        guard methodEnd > line.lowerBound, methodEnd < line.upperBound, input[methodEnd] == space else {
            return .failure(.badRequest("The request line must start with a method token followed by one space."))
        }
        index += 1
        let targetStart = index
        while index < line.upperBound, isTargetChar(input[index]) { index += 1 }
        let targetEnd = index
        guard targetEnd > targetStart, targetEnd < line.upperBound, input[targetEnd] == space else {
            return .failure(.badRequest("The request target must be visible ASCII followed by one space and the HTTP version."))
        }
        let versionBytes = UnsafeBufferPointer(rebasing: input[(targetEnd + 1)..<line.upperBound])
        let version: HTTPVersion
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http1_1
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http1_0
        } else {
            return .failure(.badRequest("Only HTTP/1.1 and HTTP/1.0 are supported."))
        }
        let method = String(decoding: UnsafeBufferPointer(rebasing: input[line.lowerBound..<methodEnd]), as: UTF8.self)
        let target = String(decoding: UnsafeBufferPointer(rebasing: input[targetStart..<targetEnd]), as: UTF8.self)
        guard isAcceptedTargetForm(target, method: method) else {
            return .failure(.badRequest("The request target must be a path starting with /, an absolute http(s) URL, or * for OPTIONS."))
        }
        return .success(HTTPRequestLine(method: method, target: target, version: version))
    }

    /// origin-form, absolute-form (http/https) and asterisk-form for OPTIONS; authority-form (CONNECT) is a proxy's business.
    private static func isAcceptedTargetForm(_ target: String, method: String) -> Bool {
        let utf8 = target.utf8
        if utf8.first == UInt8(ascii: "/") { return true }
        if target == "*" { return method == "OPTIONS" }
        let lowered = target.prefix(8).lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// field-line = field-name ":" OWS field-value OWS. Returns offsets relative to `input`, or a 400 message.
    static func parseFieldLine(_ input: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Result<HTTPHeaders.Field, HTTPParseError> {
        if isWhitespace(input[line.lowerBound]) {
            return .failure(.badRequest("Header lines folded onto several lines (obs-fold) are not accepted."))
        }
        var index = line.lowerBound
        while index < line.upperBound, isTokenChar(input[index]) { index += 1 }
        let nameEnd = index
        guard index < line.upperBound, input[index] == colon, nameEnd > line.lowerBound else {
            if index < line.upperBound, isWhitespace(input[index]) {
                return .failure(.badRequest("A header name must be followed directly by a colon, without whitespace."))
            }
            return .failure(.badRequest("A header line must be a token name, a colon and a value."))
        }
        index += 1
        while index < line.upperBound, isWhitespace(input[index]) { index += 1 }
        let valueStart = index
        var valueEnd = line.upperBound
        while valueEnd > valueStart, isWhitespace(input[valueEnd - 1]) { valueEnd -= 1 }
        while index < valueEnd {
            guard isFieldValueChar(input[index]) else {
                return .failure(.badRequest("A header value contains a control character."))
            }
            index += 1
        }
        return .success(HTTPHeaders.Field(nameStart: Int32(line.lowerBound), nameEnd: Int32(nameEnd),
                                          valueStart: Int32(valueStart), valueEnd: Int32(valueEnd)))
    }
}
