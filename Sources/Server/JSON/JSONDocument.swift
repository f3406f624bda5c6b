/// A validated JSON document: the bytes and their token tape. Immutable and `Sendable`; values are read through
/// `JSONValue` handles (the document plus a tape index), which decode only what is asked for.
public final class JSONDocument: Sendable {
    /// The document's bytes, exactly as parsed.
    public let bytes: [UInt8]
    let tape: [JSONToken]

    init(bytes: [UInt8], tape: [JSONToken]) {
        self.bytes = bytes
        self.tape = tape
    }

    /// The top-level value.
    public var root: JSONValue { JSONValue(document: self, index: 0) }

    /// The value at `path` from the root; nil when absent (a JSON `null` is present: see `JSONValue.isNull`).
    public subscript(path: JSONPath) -> JSONValue? { root.value(at: path) }

    /// Number of tokens on the tape (every value and every object key is one token).
    public var tokenCount: Int { tape.count }

    // MARK: - Tape navigation

    /// The tape index just past the value at `index`.
    @inline(__always)
    func next(after index: Int) -> Int {
        let token = tape[index]
        if token.kind == JSONKind.object.rawValue || token.kind == JSONKind.array.rawValue { return Int(token.end) }
        return index + 1
    }

    /// The member value for `key` in the object at `index` (the last one when a key repeats).
    func member(of index: Int, key: [UInt8]) -> Int? {
        let object = tape[index]
        guard object.kind == JSONKind.object.rawValue else { return nil }
        var found: Int?
        var cursor = index + 1
        for _ in 0..<object.count {
            if keyEquals(cursor, key) { found = cursor + 1 }
            cursor = next(after: cursor + 1)
        }
        return found
    }

    /// The element at `position` of the array at `index`.
    func element(of index: Int, at position: Int) -> Int? {
        let array = tape[index]
        guard array.kind == JSONKind.array.rawValue, position >= 0, position < Int(array.count) else { return nil }
        var cursor = index + 1
        for _ in 0..<position { cursor = next(after: cursor) }
        return cursor
    }

    /// Whether the string token at `index` equals `utf8` once decoded.
    func keyEquals(_ index: Int, _ utf8: [UInt8]) -> Bool {
        let token = tape[index]
        guard token.kind == JSONKind.string.rawValue else { return false }
        if token.flag != 0 { return decodedString(index) == utf8 }
        let length = Int(token.end - token.start)
        guard length == utf8.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            utf8.withUnsafeBufferPointer { other in
                length == 0 || memoryEquals(buffer.baseAddress! + Int(token.start), other.baseAddress!, length)
            }
        }
    }

    /// The decoded UTF-8 of the string token at `index`.
    func decodedString(_ index: Int) -> [UInt8] {
        let token = tape[index]
        let start = Int(token.start), end = Int(token.end)
        if token.flag == 0 { return Array(bytes[start..<end]) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        bytes.withUnsafeBufferPointer { b in
            var i = start
            while i < end {
                let c = b[i]
                guard c == UInt8(ascii: "\\") else {
                    out.append(c)
                    i += 1
                    continue
                }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = Self.hex4(b, i)
                    i += 4
                    if scalar >= 0xD800, scalar <= 0xDBFF {  // validated: a low surrogate follows
                        let low = Self.hex4(b, i + 2)
                        i += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    Self.appendUTF8(scalar, to: &out)
                default: out.append(e)  // `"`, `\`, `/`
                }
            }
        }
        return out
    }

    static func hex4(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 4 | UInt32(JSONTokenizer.hexValue(b[at + k]) ?? 0) }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

@inline(__always)
fileprivate func memoryEquals(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var k = 0
    while k < count {
        if a[k] != b[k] { return false }
        k += 1
    }
    return true
}

/// A path into a document: object keys separated by `.`, array positions as `[n]`, every element as `[*]`:
/// `data.object.lines.data[*].period.end`. Build constant paths once (`static let`).
public struct JSONPath: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key([UInt8])
        case index(Int)
        case each
    }

    public var components: [Component]

    public init(components: [Component]) { self.components = components }

    /// Parses the text form. Keys cannot contain `.` or `[` in this form (use `init(components:)`); a malformed
    /// bracket is a programming error and traps.
    public init(_ text: String) {
        var components: [Component] = []
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(segment)
            if let bracket = rest.firstIndex(of: "[") {
                let key = rest[..<bracket]
                if !key.isEmpty { components.append(.key(Array(key.utf8))) }
                rest = rest[bracket...]
                while !rest.isEmpty {
                    guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                        preconditionFailure("malformed JSON path \(text)")
                    }
                    let inner = rest[rest.index(after: rest.startIndex)..<close]
                    if inner == "*" {
                        components.append(.each)
                    } else if let position = Int(inner), position >= 0 {
                        components.append(.index(position))
                    } else {
                        preconditionFailure("malformed JSON path \(text)")
                    }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                components.append(.key(Array(rest.utf8)))
            }
        }
        self.components = components
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += String(decoding: key, as: UTF8.self)
            case .index(let position): text += "[\(position)]"
            case .each: text += "[*]"
            }
        }
        return text
    }

    public func appending(_ other: JSONPath) -> JSONPath { JSONPath(components: components + other.components) }
}

/// A value inside a `JSONDocument`.
public struct JSONValue: Sendable {
    public let document: JSONDocument
    /// Tape index.
    let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    var token: JSONToken { document.tape[index] }

    public var kind: JSONKind { JSONKind(rawValue: token.kind)! }
    public var isNull: Bool { token.kind == JSONKind.null.rawValue }

    /// The decoded string, or nil when this is not a string.
    public var string: String? {
        guard token.kind == JSONKind.string.rawValue else { return nil }
        let token = self.token
        if token.flag == 0 {
            return document.bytes.withUnsafeBufferPointer { b in
                String(decoding: UnsafeBufferPointer(rebasing: b[Int(token.start)..<Int(token.end)]), as: UTF8.self)
            }
        }
        return String(decoding: document.decodedString(index), as: UTF8.self)
    }

    /// The decoded UTF-8 bytes of a string, or nil when this is not a string.
    public var stringBytes: [UInt8]? {
        guard token.kind == JSONKind.string.rawValue else { return nil }
        return document.decodedString(index)
    }

    /// Whether this is a string equal to `text` (compared without allocating when the string has no escapes).
    public func stringEquals(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            let token = self.token
            guard token.kind == JSONKind.string.rawValue else { return false }
            if token.flag != 0 { return document.decodedString(index).elementsEqual(utf8) }
            let length = Int(token.end - token.start)
            guard length == utf8.count else { return false }
            return length == 0 || document.bytes.withUnsafeBufferPointer { b in
                memoryEquals(b.baseAddress! + Int(token.start), utf8.baseAddress!, length)
            }
        }
    }

    /// The number's text exactly as written, or nil when this is not a number.
    public var numberText: String? {
        guard token.kind == JSONKind.number.rawValue else { return nil }
        return String(decoding: document.bytes[Int(token.start)..<Int(token.end)], as: UTF8.self)
    }

    /// The value of an integer written without fraction or exponent that fits `Int64`; nil otherwise.
    public var int64: Int64? {
        let token = self.token
        guard token.kind == JSONKind.number.rawValue else { return nil }
        return document.bytes.withUnsafeBufferPointer { b -> Int64? in
            var i = Int(token.start)
            let end = Int(token.end)
            let negative = b[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            var value: Int64 = 0
            while i < end {
                let digit = b[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }  // `.`, `e`, `E`
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative ? times.subtractingReportingOverflow(Int64(digit))
                                          : times.addingReportingOverflow(Int64(digit))
                if o1 || o2 { return nil }
                value = next
                i += 1
            }
            return value
        }
    }

    /// The number as a `Double` (nearest), or nil when this is not a number.
    public var double: Double? { numberText.flatMap { Double($0) } }

    public var bool: Bool? {
        guard token.kind == JSONKind.bool.rawValue else { return nil }
        return token.flag != 0
    }

    /// Members of an object, elements of an array, 0 otherwise.
    public var count: Int {
        let token = self.token
        return token.kind == JSONKind.object.rawValue || token.kind == JSONKind.array.rawValue ? Int(token.count) : 0
    }

    public subscript(key: String) -> JSONValue? {
        document.member(of: index, key: Array(key.utf8)).map { JSONValue(document: document, index: $0) }
    }

    public subscript(position: Int) -> JSONValue? {
        document.element(of: index, at: position).map { JSONValue(document: document, index: $0) }
    }

    /// The elements of an array (empty for anything else).
    public var elements: [JSONValue] {
        var out: [JSONValue] = []
        forEachElement { out.append($0) }
        return out
    }

    /// Calls `body` with each element of an array, in order (nothing for other kinds).
    public func forEachElement(_ body: (JSONValue) throws -> Void) rethrows {
        let token = self.token
        guard token.kind == JSONKind.array.rawValue else { return }
        var cursor = index + 1
        for _ in 0..<token.count {
            try body(JSONValue(document: document, index: cursor))
            cursor = document.next(after: cursor)
        }
    }

    /// Calls `body` with each member of an object, in document order (nothing for other kinds).
    public func forEachMember(_ body: (_ key: String, _ value: JSONValue) throws -> Void) rethrows {
        let token = self.token
        guard token.kind == JSONKind.object.rawValue else { return }
        var cursor = index + 1
        for _ in 0..<token.count {
            let key = String(decoding: document.decodedString(cursor), as: UTF8.self)
            try body(key, JSONValue(document: document, index: cursor + 1))
            cursor = document.next(after: cursor + 1)
        }
    }

    /// The value at `path` below this one; with `[*]` the first match in document order. Nil when absent.
    public func value(at path: JSONPath) -> JSONValue? {
        var found: JSONValue?
        visit(path.components[...]) { value in
            found = value
            return false
        }
        return found
    }

    /// Every value at `path` (a path with `[*]` can match many), in document order.
    public func values(at path: JSONPath) -> [JSONValue] {
        var out: [JSONValue] = []
        visit(path.components[...]) { value in
            out.append(value)
            return true
        }
        return out
    }

    /// Calls `body` with every value at `path`, in document order.
    public func forEach(at path: JSONPath, _ body: (JSONValue) -> Void) {
        visit(path.components[...]) { value in
            body(value)
            return true
        }
    }

    /// Depth-first walk along `components`; `body` returns false to stop. Returns false once stopped.
    @discardableResult
    func visit(_ components: ArraySlice<JSONPath.Component>, _ body: (JSONValue) -> Bool) -> Bool {
        guard let first = components.first else { return body(self) }
        let rest = components.dropFirst()
        switch first {
        case .key(let key):
            guard let child = document.member(of: index, key: key) else { return true }
            return JSONValue(document: document, index: child).visit(rest, body)
        case .index(let position):
            guard let child = document.element(of: index, at: position) else { return true }
            return JSONValue(document: document, index: child).visit(rest, body)
        case .each:
            let token = self.token
            guard token.kind == JSONKind.array.rawValue else { return true }
            var cursor = index + 1
            for _ in 0..<token.count {
                if !JSONValue(document: document, index: cursor).visit(rest, body) { return false }
                cursor = document.next(after: cursor)
            }
            return true
        }
    }

    // MARK: - Conveniences for optional fields

    /// The string at `path`; nil when absent, null or not a string.
    public func string(at path: JSONPath) -> String? { value(at: path)?.string }
    /// The integer at `path`; nil when absent, null, not an integer or out of `Int64` range.
    public func int64(at path: JSONPath) -> Int64? { value(at: path)?.int64 }
    /// The boolean at `path`; nil when absent, null or not a boolean.
    public func bool(at path: JSONPath) -> Bool? { value(at: path)?.bool }
}
