import Foundation
import Server
import TestSupport
import Testing

/// The strict JSON scanner: grammar, strings and escapes, UTF-8, limits, path lookups, and a property test against
/// Foundation's `JSONSerialization` on random documents and random corruptions of them.
@Suite struct JSONScannerTests {
    func parse(_ text: String, limits: JSONScanner.Limits = .default) throws -> JSONDocument {
        try JSONScanner.parse(Array(text.utf8), limits: limits)
    }

    func rejection(_ bytes: [UInt8], limits: JSONScanner.Limits = .default) -> JSONError? {
        do {
            _ = try JSONScanner.parse(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func rejection(_ text: String) -> JSONError? { rejection(Array(text.utf8)) }

    // MARK: - Accepting and reading

    @Test func scalarsAtTheTopLevel() throws {
        #expect(try parse("null").root.isNull)
        #expect(try parse(" true ").root.bool == true)
        #expect(try parse("\tfalse\r\n").root.bool == false)
        #expect(try parse("0").root.int64 == 0)
        #expect(try parse("-0").root.int64 == 0)
        #expect(try parse("-12.5e+2").root.double == -1250)
        #expect(try parse("\"\"").root.string == "")
        #expect(try parse("[]").root.count == 0)
        #expect(try parse("{}").root.kind == .object)
    }

    @Test func pathLookups() throws {
        let doc = try parse("""
            {"data": {"object": {"metadata": {"number_id": "num_1"}, "none": null,
              "lines": {"data": [{"period": {"end": 10}}, {"period": {}}, {"period": {"end": 30}}, 7]},
              "parent": {"subscription_details": {"subscription": "sub_1"}}}},
             "flag": true, "id": "evt"}
            """)
        #expect(doc["data.object.metadata.number_id"]?.string == "num_1")
        #expect(doc["data.object.parent.subscription_details.subscription"]?.string == "sub_1")
        #expect(doc["data.object.lines.data[*].period.end"]?.int64 == 10)
        #expect(doc.root.values(at: "data.object.lines.data[*].period.end").compactMap(\.int64) == [10, 30])
        #expect(doc["data.object.lines.data[2].period.end"]?.int64 == 30)
        #expect(doc["data.object.lines.data[3]"]?.int64 == 7)
        #expect(doc["data.object.lines.data[4]"] == nil)
        #expect(doc["data.object.lines.data"]?.count == 4)
        #expect(doc["data.object.none"]?.isNull == true)
        #expect(doc["data.object.absent"] == nil)
        #expect(doc["data.object.metadata.number_id.deeper"] == nil)
        #expect(doc["id[0]"] == nil)
        #expect(doc.root.string(at: "data.object.none") == nil)
        #expect(doc.root.bool(at: "flag") == true)
        #expect(doc.root["id"]?.stringEquals("evt") == true)
        #expect(doc.root["id"]?.stringEquals("ev") == false)
        #expect(doc.root["flag"]?.stringEquals("true") == false)
        let object = try #require(doc["data.object"])
        #expect(object.string(at: "metadata.number_id") == "num_1")
        var keys: [String] = []
        object.forEachMember { key, _ in keys.append(key) }
        #expect(keys == ["metadata", "none", "lines", "parent"])
        #expect(try #require(doc["data.object.lines.data"]).elements.map(\.kind) == [.object, .object, .object, .number])
        #expect(JSONPath("data.object.lines.data[*].period.end").description == "data.object.lines.data[*].period.end")
        #expect(JSONPath("a[0][*]").components == [.key(Array("a".utf8)), .index(0), .each])
    }

    @Test func stringsAndEscapes() throws {
        let doc = try parse(#"{"s": "a\"b\\c\/d\be\ff\ng\rh\ti\u0000j\u00e9\u20AC\ud83d\ude00k", "raw": "é€😀", "k\u0065y": 1}"#)
        #expect(doc["s"]?.string == "a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti\u{0}jé€😀k")
        #expect(doc["s"]?.stringEquals("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti\u{0}jé€😀k") == true)
        #expect(doc["raw"]?.string == "é€😀")
        #expect(doc["raw"]?.stringBytes == Array("é€😀".utf8))
        // Keys are matched after decoding.
        #expect(doc["key"]?.int64 == 1)
    }

    @Test func duplicateKeysLastWins() throws {
        #expect(try parse(#"{"a": 1, "b": 2, "a": 3}"#)["a"]?.int64 == 3)
    }

    @Test func integers() throws {
        #expect(try parse("9223372036854775807").root.int64 == .max)
        #expect(try parse("-9223372036854775808").root.int64 == .min)
        #expect(try parse("9223372036854775808").root.int64 == nil)
        #expect(try parse("-9223372036854775809").root.int64 == nil)
        #expect(try parse("1.0").root.int64 == nil)
        #expect(try parse("1e3").root.int64 == nil)
        #expect(try parse("1e3").root.double == 1000)
        #expect(try parse("\"1\"").root.int64 == nil)
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(ok).root.kind == .array)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(rejection(deep)?.reason == .tooDeep)
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(rejection(objects)?.reason == .tooDeep)
        // Far deeper than any stack: rejected at the limit, no recursion beyond it.
        #expect(rejection(String(repeating: "[", count: 1_000_000))?.reason == .tooDeep)
        #expect(try parse("[[1]]", limits: .init(maxDepth: 2)).root.count == 1)
        #expect((try? parse("[[[1]]]", limits: .init(maxDepth: 2))) == nil)
    }

    @Test func sizeAndNumberLimits() throws {
        #expect(rejection(Array("[1,2]".utf8), limits: .init(maxBytes: 4))?.reason == .tooLarge)
        let long = String(repeating: "1", count: 64)
        #expect(try parse(long).root.double != nil)
        #expect(rejection(long + "1")?.reason == .numberTooLong)
        #expect(rejection("1." + String(repeating: "5", count: 100))?.reason == .numberTooLong)
        #expect(rejection("1e" + String(repeating: "9", count: 100))?.reason == .numberTooLong)
        #expect(rejection("1e400")?.reason == .numberOutOfRange)
        #expect(rejection("[-2E+309]")?.reason == .numberOutOfRange)
        #expect(try parse("1.7e308").root.double == 1.7e308)
        #expect(try parse("1e-400").root.double == 0)
    }

    // MARK: - Rejecting

    @Test func malformedDocuments() {
        let cases: [(String, JSONError.Reason)] = [
            ("", .unexpectedEnd),
            ("   ", .unexpectedEnd),
            ("{", .unexpectedEnd),
            (#"{"a""#, .unexpectedEnd),
            (#"{"a":"#, .unexpectedEnd),
            (#"{"a":1"#, .unexpectedEnd),
            (#"{"a":1,"#, .unexpectedEnd),
            ("[1,2", .unexpectedEnd),
            (#""abc"#, .unexpectedEnd),
            ("tru", .unexpectedEnd),
            ("[1,]", .unexpectedByte),
            (#"{"a":1,}"#, .unexpectedByte),
            ("[,1]", .unexpectedByte),
            (#"{,}"#, .unexpectedByte),
            (#"{"a" 1}"#, .unexpectedByte),
            (#"{"a":1 "b":2}"#, .unexpectedByte),
            ("{'a':1}", .unexpectedByte),
            ("{a:1}", .unexpectedByte),
            ("[1 2]", .unexpectedByte),
            ("[1}", .unexpectedByte),
            (#"{"a":1]"#, .unexpectedByte),
            ("nul", .unexpectedEnd),
            ("nulL", .unexpectedByte),
            ("True", .unexpectedByte),
            ("NaN", .unexpectedByte),
            ("Infinity", .unexpectedByte),
            ("/* c */ 1", .unexpectedByte),
            ("\u{0B}1", .unexpectedByte),      // vertical tab is not JSON whitespace
            ("\u{A0}1", .unexpectedByte),      // nor is a no-break space
            ("1 2", .trailingData),
            ("{} {}", .trailingData),
            ("[] x", .trailingData),
            ("01", .invalidNumber),
            ("-01", .invalidNumber),
            ("+1", .unexpectedByte),
            (".5", .unexpectedByte),
            ("1.", .unexpectedEnd),
            ("1.e5", .invalidNumber),
            ("1e", .unexpectedEnd),
            ("1e+", .unexpectedEnd),
            ("[1e+]", .invalidNumber),
            ("-", .unexpectedEnd),
            ("-a", .invalidNumber),
            ("[-]", .invalidNumber),
            ("0x10", .trailingData),
            (#""\x""#, .invalidEscape),
            (#""\'""#, .invalidEscape),
            (#""\U0041""#, .invalidEscape),
            (#""\u12""#, .invalidEscape),
            (#""\u12G4""#, .invalidEscape),
            (#""\ud800""#, .loneSurrogate),
            (#""\udc00""#, .loneSurrogate),
            (#""\ud800\u0041""#, .loneSurrogate),
            (#""\ud800\ud800""#, .loneSurrogate),
            (#""\ud800x""#, .loneSurrogate),
            (#""\ude00\ud83d""#, .loneSurrogate),
            ("\"a\u{1}b\"", .controlCharacter),
            ("\"a\nb\"", .controlCharacter),
            ("\"\t\"", .controlCharacter),
        ]
        for (text, reason) in cases {
            #expect(rejection(text)?.reason == reason, "\(text.debugDescription)")
        }
    }

    @Test func invalidUTF8() {
        let bad: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF],               // stray continuation, overlong 2-byte
            [0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xE2, 0x28, 0xA1],     // truncated, bad continuation
            [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],                     // overlong 3-byte
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],                     // UTF-8-encoded surrogates
            [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],         // overlong 4-byte
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],         // above U+10FFFF
            [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
            [0xF0, 0x9F, 0x98],                                         // truncated emoji
        ]
        for bytes in bad {
            #expect(rejection([0x22] + bytes + [0x22])?.reason == .invalidUTF8, "\(bytes)")
            // Outside a string any non-ASCII byte is simply unexpected.
            #expect(rejection([0x5B] + bytes + [0x5D])?.reason == .unexpectedByte, "\(bytes)")
        }
        let good: [[UInt8]] = [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                               [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]]
        for bytes in good {
            let doc = try? JSONScanner.parse([0x22] + bytes + [0x22])
            #expect(doc?.root.stringBytes == bytes, "\(bytes)")
        }
        // A byte order mark is not whitespace.
        #expect(rejection([0xEF, 0xBB, 0xBF, 0x31])?.reason == .unexpectedByte)
    }

    @Test func specialBytesAtEveryOffsetOfALongString() throws {
        // The string scan reads eight bytes at a time: a special byte must be seen wherever it falls.
        for offset in 0..<24 {
            var text = Array(repeating: UInt8(ascii: "a"), count: 24)
            text[offset] = 0x1F
            #expect(rejection([0x22] + text + [0x22]) == JSONError(.controlCharacter, at: offset + 1))
            text[offset] = 0xFF
            #expect(rejection([0x22] + text + [0x22]) == JSONError(.invalidUTF8, at: offset + 1))
            text[offset] = 0x22
            #expect(rejection([0x22] + text + [0x22]) == JSONError(.trailingData, at: offset + 2))
            text[offset] = UInt8(ascii: "\\")
            #expect(rejection([0x22] + text + [0x22])?.reason == (offset == 23 ? .unexpectedEnd : .invalidEscape))
            text.insert(UInt8(ascii: "n"), at: offset + 1)
            let decoded = try JSONScanner.parse([0x22] + text + [0x22]).root.string
            #expect(decoded == String(repeating: "a", count: offset) + "\n" + String(repeating: "a", count: 23 - offset))
        }
    }

    @Test func errorOffsets() {
        #expect(rejection(#"{"a": [1, 2,]}"#) == JSONError(.unexpectedByte, at: 12))
        #expect(rejection(#"{"a": "\q"}"#) == JSONError(.invalidEscape, at: 7))
        #expect(rejection("[1] x") == JSONError(.trailingData, at: 4))
    }

    @Test func validateWithoutKeeping() throws {
        let bytes = Array(#"{"a": [true, false, null]}"#.utf8)
        try bytes.withUnsafeBytes { buffer in try JSONScanner.validate(buffer) }
        let bad = Array("[1,]".utf8)
        #expect(throws: JSONError.self) { try bad.withUnsafeBytes { try JSONScanner.validate($0) } }
        let copied = try bytes.withUnsafeBytes { try JSONScanner.parse(copying: $0) }
        #expect(copied.root["a"]?.count == 3)
    }

    // MARK: - Property test against Foundation

    /// A document model both sides are reduced to. Foundation gives booleans as NSNumber, so booleans compare as
    /// numbers here (their kinds are checked separately by the unit tests above). Numbers compare within a few ULPs:
    /// Foundation's decimal conversion is not always correctly rounded (`-160.9766464534808`), Swift's is.
    indirect enum Tree: Equatable {
        case null
        case number(Double)
        case string([Unicode.Scalar])
        case array([Tree])
        case object([String: Tree])

        static func == (a: Tree, b: Tree) -> Bool {
            switch (a, b) {
            case (.null, .null): return true
            case (.number(let x), .number(let y)): return x == y || abs(x - y) <= 4 * max(x.ulp, y.ulp)
            case (.string(let x), .string(let y)): return x == y
            case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
            case (.object(let x), .object(let y)):
                return x.count == y.count && x.allSatisfy { key, value in y[key].map { $0 == value } ?? false }
            default: return false
            }
        }
    }

    static func tree(_ value: JSONValue) -> Tree {
        switch value.kind {
        case .null: return .null
        case .bool: return .number(value.bool! ? 1 : 0)
        case .number: return .number(value.double!)
        case .string: return .string(Array(value.string!.unicodeScalars))
        case .array: return .array(value.elements.map(tree))
        case .object:
            var members: [String: Tree] = [:]
            value.forEachMember { key, member in members[key] = tree(member) }
            return .object(members)
        }
    }

    static func tree(foundation value: Any) -> Tree? {
        switch value {
        case is NSNull: return .null
        case let string as String: return .string(Array(string.unicodeScalars))
        case let number as NSNumber: return .number(number.doubleValue)
        case let array as [Any]:
            var out: [Tree] = []
            for element in array {
                guard let element = tree(foundation: element) else { return nil }
                out.append(element)
            }
            return .array(out)
        case let object as [String: Any]:
            var out: [String: Tree] = [:]
            for (key, member) in object {
                guard let member = tree(foundation: member) else { return nil }
                out[key] = member
            }
            return .object(out)
        default: return nil
        }
    }

    /// Random JSON text with random whitespace, escapes and number spellings.
    struct Generator {
        var rng: SplitMix64

        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

        mutating func whitespace() -> String {
            guard chance(30) else { return "" }
            let pool = [" ", "\t", "\n", "\r", "  "]
            return (0..<int(1...3)).map { _ in pool[int(0...pool.count - 1)] }.joined()
        }

        mutating func scalar() -> Unicode.Scalar {
            switch int(0...9) {
            case 0: return Unicode.Scalar(UInt8(int(0...0x1F)))
            case 1: return ["\"", "\\", "/"][int(0...2)]
            case 2: return Unicode.Scalar(UInt32(int(0x80...0x7FF)))!
            case 3:
                // Not U+FEFF: Foundation drops a leading one from string values (we keep it, as RFC 8259 says).
                let value = UInt32(int(0xE000...0xFFFD))
                return Unicode.Scalar(value == 0xFEFF ? 0xFEFE : value)!
            case 4: return Unicode.Scalar(UInt32(int(0x10000...0x10FFFF)))!
            case 5: return Unicode.Scalar(UInt32(int(0x800...0xD7FF)))!
            default: return Unicode.Scalar(UInt8(int(0x20...0x7E)))
            }
        }

        mutating func hex(_ unit: UInt32) -> String {
            let digits = String(unit, radix: 16, uppercase: chance(50))
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }

        mutating func encode(_ scalars: [Unicode.Scalar]) -> String {
            var out = "\""
            for s in scalars {
                let v = s.value
                if v < 0x20 || s == "\"" || s == "\\" || chance(10) {
                    switch s {
                    case "\"": out += "\\\""
                    case "\\": out += "\\\\"
                    case "/" where chance(50): out += "\\/"
                    case "\n" where chance(50): out += "\\n"
                    case "\t" where chance(50): out += "\\t"
                    case "\r" where chance(50): out += "\\r"
                    case "\u{8}" where chance(50): out += "\\b"
                    case "\u{C}" where chance(50): out += "\\f"
                    default:
                        if v >= 0x10000 {
                            let u = v - 0x10000
                            out += hex(0xD800 + (u >> 10)) + hex(0xDC00 + (u & 0x3FF))
                        } else {
                            out += hex(v)
                        }
                    }
                } else {
                    out.unicodeScalars.append(s)
                }
            }
            return out + "\""
        }

        mutating func string() -> (String, Tree) {
            let scalars = (0..<int(0...12)).map { _ in scalar() }
            return (encode(scalars), .string(scalars))
        }

        mutating func number() -> (String, Tree) {
            switch int(0...4) {
            case 0:
                let value = int(-1_000_000...1_000_000)
                return (String(value), .number(Double(value)))
            case 1:
                let value = Int64.random(in: -(1 << 53)...(1 << 53), using: &rng)
                return (String(value), .number(Double(value)))
            case 2:
                let whole = int(0...999), fraction = int(0...999)
                let text = (chance(50) ? "-" : "") + "\(whole).\(fraction)"
                return (text, .number(Double(text)!))
            case 3:
                let text = "\(int(1...9))" + ["e", "E"][int(0...1)] + ["", "+", "-"][int(0...2)] + "\(int(0...20))"
                return (text, .number(Double(text)!))
            default:
                return ("0", .number(0))
            }
        }

        mutating func value(depth: Int) -> (String, Tree) {
            let leaf = depth >= 5 || chance(45)
            switch leaf ? int(0...4) : int(5...6) {
            case 0: return ("null", .null)
            case 1: return chance(50) ? ("true", .number(1)) : ("false", .number(0))
            case 2, 3: return number()
            case 4: return string()
            case 5:
                var parts: [String] = [], trees: [Tree] = []
                for _ in 0..<int(0...5) {
                    let (text, tree) = value(depth: depth + 1)
                    parts.append(whitespace() + text + whitespace())
                    trees.append(tree)
                }
                return ("[" + whitespace() + parts.joined(separator: ",") + "]", .array(trees))
            default:
                var parts: [String] = [], members: [String: Tree] = [:]
                for index in 0..<int(0...5) {
                    // Unique keys (duplicates are implementation-defined); some spelled with escapes.
                    let key = "k\(index)_" + String((0..<int(0...4)).map { _ in Character(Unicode.Scalar(UInt8(int(0x61...0x7A)))) })
                    let (text, tree) = value(depth: depth + 1)
                    parts.append(whitespace() + encode(Array(key.unicodeScalars)) + whitespace() + ":" + whitespace() + text + whitespace())
                    members[key] = tree
                }
                return ("{" + whitespace() + parts.joined(separator: ",") + "}", .object(members))
            }
        }
    }

    static func foundationParse(_ bytes: [UInt8]) -> Tree? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        return tree(foundation: value)
    }

    @Test func randomDocumentsAgreeWithFoundation() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = Generator(rng: SplitMix64(seed: seed))
        for iteration in 0..<2_000 {
            let (text, expected) = generator.value(depth: 0)
            let document = generator.whitespace() + text + generator.whitespace()
            let bytes = Array(document.utf8)
            let ours = try #require(try? JSONScanner.parse(bytes), "seed \(seed) iteration \(iteration): rejected \(document)")
            #expect(Self.tree(ours.root) == expected, "seed \(seed) iteration \(iteration): \(document)")
            #expect(Self.foundationParse(bytes) == expected, "seed \(seed) iteration \(iteration): Foundation on \(document)")
        }
    }

    /// Corrupted documents: whatever we accept, Foundation accepts with the same content; whatever Foundation
    /// rejects, we reject. (We reject more: Foundation accepts trailing commas, and stops reading at a NUL byte.)
    @Test func corruptedDocumentsNeverAcceptedWhenFoundationRejects() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = Generator(rng: SplitMix64(seed: seed))
        let interesting: [UInt8] = Array("{}[],:\"\\/ 0123456789.-+eEtrufalsn".utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC0, 0xED, 0xF4, 0xFF]
        var accepted = 0
        for iteration in 0..<3_000 {
            var bytes = Array(generator.value(depth: 0).0.utf8)
            for _ in 0..<generator.int(1...2) {
                let at = bytes.isEmpty ? 0 : generator.int(0...bytes.count - 1)
                switch generator.int(0...3) {
                case 0: if !bytes.isEmpty { bytes.remove(at: at) }
                case 1: bytes.insert(interesting[generator.int(0...interesting.count - 1)], at: at)
                case 2: if !bytes.isEmpty { bytes[at] = interesting[generator.int(0...interesting.count - 1)] }
                default: bytes = Array(bytes.prefix(at))
                }
            }
            let ours = try? JSONScanner.parse(bytes)
            let theirs = Self.foundationParse(bytes)
            let shown = String(decoding: bytes, as: UTF8.self).debugDescription
            if let ours {
                accepted += 1
                #expect(theirs == Self.tree(ours.root), "seed \(seed) iteration \(iteration): \(shown)")
            } else if theirs != nil, !bytes.contains(0) {  // Foundation stops reading at a NUL byte
                // Foundation accepted what we rejected: only its known leniency, a trailing comma, may differ.
                let error = try #require(Self.rejection(bytes))
                #expect(Self.isTrailingComma(bytes, error),
                        "seed \(seed) iteration \(iteration): Foundation accepts \(shown), we say \(error)")
            }
        }
        #expect(accepted > 0)
    }

    static func rejection(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSONScanner.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// `[1,]` / `{"a":1,}`: rejected by RFC 8259 (and by us), accepted by Foundation's `JSONSerialization`.
    static func isTrailingComma(_ bytes: [UInt8], _ error: JSONError) -> Bool {
        guard error.reason == .unexpectedByte, error.offset < bytes.count,
              bytes[error.offset] == UInt8(ascii: "]") || bytes[error.offset] == UInt8(ascii: "}") else { return false }
        var k = error.offset - 1
        while k >= 0, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k -= 1 }
        return k >= 0 && bytes[k] == UInt8(ascii: ",")
    }

    // MARK: - Speed

    @Test func scansAStripeEventInMicroseconds() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stripe/checkout.session.completed.json")
        let bytes = Array(try Data(contentsOf: url))
        let clock = ContinuousClock()
        var tokens = 0
        let rounds = 5_000
        let elapsed = try clock.measure {
            for _ in 0..<rounds { tokens += try JSONScanner.parse(bytes).tokenCount }
        }
        #expect(tokens > 0)
        // Debug builds are far slower than release; this only catches a pathological regression.
        #expect(elapsed / rounds < .microseconds(200), "\(elapsed / rounds) per \(bytes.count)-byte event")
    }
}
