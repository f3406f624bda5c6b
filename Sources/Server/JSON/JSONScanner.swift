// A small, strict JSON reader for the webhook hot path (DESIGN.md §Concurrency and speed).
//
// One pass over the bytes validates the whole document against RFC 8259 and records a flat tape of tokens
// (kind + byte offsets; containers also store where they end on the tape, so a lookup skips a whole subtree in
// one step). Nothing is decoded until asked: a caller looks values up by path (`data.object.metadata.number_id`,
// `data.object.lines.data[*].period.end`) and only then turns the few it needs into `String`, `Int64` or `Bool`.
// One allocation for the tape (sized from the input), none per value.
//
// Strictness (every rule is tested):
// - the RFC 8259 grammar exactly: no comments, no trailing commas, no single quotes, no leading zeros, no `+1`,
//   `.5`, `1.`, `NaN`; only space, tab, LF and CR as whitespace; nothing but whitespace after the top-level value;
//   any value may be the top-level value; a byte order mark is rejected;
// - strings: no unescaped U+0000–U+001F; escapes are `\" \\ \/ \b \f \n \r \t \u` + four hex digits only; a `\u` high surrogate
//   must be followed by a `\u` low surrogate, and a low surrogate must follow a high one; raw bytes must be
//   well-formed UTF-8 (no overlongs, no encoded surrogates, nothing above U+10FFFF, no truncated sequence);
// - limits (RFC 8259 §9 allows them): nesting depth (default 64), number length (default 64 characters), and
//   magnitude (a number beyond `Double`'s range, such as `1e400`, is rejected, as Foundation does), and document
//   size (4 GiB, or less when the caller says so).
// Duplicate object keys are accepted; a lookup returns the last one, as JavaScript's `JSON.parse` and Python's
// `json` (and so Stripe's own SDKs) do.

/// The kind of a JSON value.
public enum JSONKind: UInt8, Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// One token of the tape.
@usableFromInline
struct JSONToken: Sendable {
    /// `JSONKind` raw value.
    var kind: UInt8
    /// Strings: 1 when the text contains escapes (decoding needed). Bools: 1 for `true`.
    var flag: UInt8
    /// Strings: offset of the first byte after the opening quote. Numbers: first byte. Containers: the bracket.
    var start: UInt32
    /// Strings: offset of the closing quote. Numbers and literals: one past the last byte. Containers: the tape
    /// index just past the container's last token (its next sibling).
    var end: UInt32
    /// Containers: number of members (objects) or elements (arrays).
    var count: UInt32
}

/// Entry point: parse (and validate) a document.
public enum JSONScanner {
    public struct Limits: Sendable, Equatable {
        /// Objects and arrays nested deeper than this are rejected (the top-level container is depth 1).
        public var maxDepth: Int
        /// Number tokens longer than this many characters are rejected.
        public var maxNumberLength: Int
        /// Documents larger than this many bytes are rejected (at most `UInt32.max`).
        public var maxBytes: Int

        public init(maxDepth: Int = 64, maxNumberLength: Int = 64, maxBytes: Int = Int(UInt32.max)) {
            self.maxDepth = maxDepth
            self.maxNumberLength = maxNumberLength
            self.maxBytes = min(maxBytes, Int(UInt32.max))
        }

        public static let `default` = Limits()
    }

    /// Parses `bytes` (kept by the document, not copied).
    public static func parse(_ bytes: [UInt8], limits: Limits = .default) throws(JSONError) -> JSONDocument {
        let tape: [JSONToken]
        do {
            tape = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> [JSONToken] in
                try tokenize(buffer, limits: limits)
            }
        }
        return JSONDocument(bytes: bytes, tape: tape)
    }

    /// Parses a copy of `buffer`.
    public static func parse(copying buffer: UnsafeRawBufferPointer, limits: Limits = .default) throws(JSONError) -> JSONDocument {
        try parse(Array(buffer), limits: limits)
    }

    /// Validates `buffer` without keeping anything.
    public static func validate(_ buffer: UnsafeRawBufferPointer, limits: Limits = .default) throws(JSONError) {
        _ = try tokenize(buffer.assumingMemoryBound(to: UInt8.self), limits: limits)
    }

    static func tokenize(_ buffer: UnsafeBufferPointer<UInt8>, limits: Limits) throws(JSONError) -> [JSONToken] {
        guard buffer.count <= limits.maxBytes else { throw JSONError(.tooLarge, at: 0) }
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw JSONError(.unexpectedEnd, at: 0) }
        var parser = JSONTokenizer(base: base, count: buffer.count, limits: limits)
        try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position < parser.count { throw JSONError(.trailingData, at: parser.position) }
        return parser.tape
    }
}

/// The single validating pass. Recursive descent; recursion is bounded by `maxDepth`.
struct JSONTokenizer {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    let maxNumberLength: Int
    var position = 0
    var tape: [JSONToken]

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONScanner.Limits) {
        self.base = base
        self.count = count
        self.maxDepth = limits.maxDepth
        self.maxNumberLength = limits.maxNumberLength
        tape = []
        // Stripe events run at about one token per 10-20 bytes.
        tape.reserveCapacity(count / 12 + 8)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        // Pretty-printed input indents with runs of spaces: skip them eight at a time.
        while position + 8 <= count,
              UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020 {
            position += 8
        }
        while position < count {
            let c = base[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { return }
        }
    }

    @inline(__always)
    func fail(_ reason: JSONError.Reason, _ at: Int) -> JSONError { JSONError(reason, at: at) }

    mutating func parseValue(depth: Int) throws(JSONError) {
        skipWhitespace()
        guard position < count else { throw fail(.unexpectedEnd, position) }
        switch base[position] {
        case UInt8(ascii: "{"): try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try parseLiteral("true", kind: .bool, flag: 1)
        case UInt8(ascii: "f"): try parseLiteral("false", kind: .bool, flag: 0)
        case UInt8(ascii: "n"): try parseLiteral("null", kind: .null, flag: 0)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        default: throw fail(.unexpectedByte, position)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) {
        if depth > maxDepth { throw fail(.tooDeep, position) }
        let at = tape.count
        tape.append(JSONToken(kind: JSONKind.object.rawValue, flag: 0, start: UInt32(position), end: 0, count: 0))
        position += 1
        skipWhitespace()
        var members: UInt32 = 0
        if position < count, base[position] == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard position < count else { throw fail(.unexpectedEnd, position) }
                guard base[position] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte, position) }
                try parseString()
                skipWhitespace()
                guard position < count else { throw fail(.unexpectedEnd, position) }
                guard base[position] == UInt8(ascii: ":") else { throw fail(.unexpectedByte, position) }
                position += 1
                try parseValue(depth: depth)
                members += 1
                skipWhitespace()
                guard position < count else { throw fail(.unexpectedEnd, position) }
                let c = base[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "}") { break }
                throw fail(.unexpectedByte, position - 1)
            }
        }
        tape[at].end = UInt32(tape.count)
        tape[at].count = members
    }

    mutating func parseArray(depth: Int) throws(JSONError) {
        if depth > maxDepth { throw fail(.tooDeep, position) }
        let at = tape.count
        tape.append(JSONToken(kind: JSONKind.array.rawValue, flag: 0, start: UInt32(position), end: 0, count: 0))
        position += 1
        skipWhitespace()
        var elements: UInt32 = 0
        if position < count, base[position] == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                try parseValue(depth: depth)
                elements += 1
                skipWhitespace()
                guard position < count else { throw fail(.unexpectedEnd, position) }
                let c = base[position]
                position += 1
                if c == UInt8(ascii: ",") { continue }
                if c == UInt8(ascii: "]") { break }
                throw fail(.unexpectedByte, position - 1)
            }
        }
        tape[at].end = UInt32(tape.count)
        tape[at].count = elements
    }

    mutating func parseLiteral(_ text: StaticString, kind: JSONKind, flag: UInt8) throws(JSONError) {
        let length = text.utf8CodeUnitCount
        let start = position
        let literal = text.utf8Start
        for k in 0..<length {
            guard start + k < count else { throw fail(.unexpectedEnd, start + k) }
            guard base[start + k] == literal[k] else { throw fail(.unexpectedByte, start + k) }
        }
        position = start + length
        tape.append(JSONToken(kind: kind.rawValue, flag: flag, start: UInt32(start), end: UInt32(position), count: 0))
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    mutating func parseNumber() throws(JSONError) {
        let start = position
        if base[position] == UInt8(ascii: "-") { position += 1 }
        guard position < count else { throw fail(.unexpectedEnd, position) }
        let first = base[position]
        if first == UInt8(ascii: "0") {
            position += 1
            if position < count, Self.isDigit(base[position]) { throw fail(.invalidNumber, position) }
        } else if Self.isDigit(first) {
            position += 1
            while position < count, Self.isDigit(base[position]) { position += 1 }
        } else {
            throw fail(.invalidNumber, position)
        }
        if position < count, base[position] == UInt8(ascii: ".") {
            position += 1
            guard position < count else { throw fail(.unexpectedEnd, position) }
            guard Self.isDigit(base[position]) else { throw fail(.invalidNumber, position) }
            while position < count, Self.isDigit(base[position]) { position += 1 }
        }
        var hasExponent = false
        if position < count, base[position] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            position += 1
            if position < count, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position += 1 }
            guard position < count else { throw fail(.unexpectedEnd, position) }
            guard Self.isDigit(base[position]) else { throw fail(.invalidNumber, position) }
            while position < count, Self.isDigit(base[position]) { position += 1 }
        }
        if position - start > maxNumberLength { throw fail(.numberTooLong, start) }
        // Within the length limit only an exponent can take a number beyond `Double` (rare in webhooks, so the
        // exact check costs nothing in practice).
        if hasExponent {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw fail(.numberOutOfRange, start) }
        }
        tape.append(JSONToken(kind: JSONKind.number.rawValue, flag: 0, start: UInt32(start), end: UInt32(position), count: 0))
    }

    mutating func parseString() throws(JSONError) {
        position += 1  // the opening quote
        let start = position
        var escaped: UInt8 = 0
        while true {
            // Fast path: printable ASCII other than `"` and `\`, eight bytes at a time, then one at a time.
            while position + 8 <= count {
                let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                if JSONTokenizer.needsAttention(word) { break }
                position += 8
            }
            while position < count {
                let c = base[position]
                if c >= 0x20, c < 0x80, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") { position += 1 } else { break }
            }
            guard position < count else { throw fail(.unexpectedEnd, position) }
            let c = base[position]
            if c == UInt8(ascii: "\"") {
                tape.append(JSONToken(kind: JSONKind.string.rawValue, flag: escaped, start: UInt32(start), end: UInt32(position), count: 0))
                position += 1
                return
            } else if c == UInt8(ascii: "\\") {
                escaped = 1
                try parseEscape()
            } else if c < 0x20 {
                throw fail(.controlCharacter, position)
            } else {
                try parseUTF8Sequence()
            }
        }
    }

    /// Whether any of the eight bytes in `word` is `"`, `\`, below 0x20 or above 0x7F. SWAR: the classic
    /// "has a zero byte" test; a borrow can only start at a byte that really matches, so the answer for the whole
    /// word is exact (and the byte loop then finds which one).
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highs != 0
    }

    /// At a backslash.
    mutating func parseEscape() throws(JSONError) {
        let at = position
        position += 1
        guard position < count else { throw fail(.unexpectedEnd, position) }
        switch base[position] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
        case UInt8(ascii: "u"):
            position += 1
            let unit = try readHex4()
            if unit >= 0xDC00, unit <= 0xDFFF { throw fail(.loneSurrogate, at) }
            if unit >= 0xD800, unit <= 0xDBFF {
                guard position + 1 < count, base[position] == UInt8(ascii: "\\"), base[position + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, at)
                }
                position += 2
                let low = try readHex4()
                guard low >= 0xDC00, low <= 0xDFFF else { throw fail(.loneSurrogate, at) }
            }
        default:
            throw fail(.invalidEscape, at)
        }
    }

    mutating func readHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < count else { throw fail(.unexpectedEnd, position) }
            guard let digit = JSONTokenizer.hexValue(base[position]) else { throw fail(.invalidEscape, position) }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// At a byte >= 0x80: one well-formed UTF-8 sequence (Unicode Table 3-7).
    mutating func parseUTF8Sequence() throws(JSONError) {
        let at = position
        let lead = base[position]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // bounds of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail(.invalidUTF8, at)
        }
        guard position + length <= count else { throw fail(.invalidUTF8, at) }
        let second = base[position + 1]
        guard second >= low, second <= high else { throw fail(.invalidUTF8, at) }
        var k = 2
        while k < length {
            guard base[position + k] & 0xC0 == 0x80 else { throw fail(.invalidUTF8, at) }
            k += 1
        }
        position += length
    }
}
