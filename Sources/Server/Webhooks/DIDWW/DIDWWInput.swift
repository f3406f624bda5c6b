import NumberActors

// Shared reading rules for DIDWW and voice-platform input: the error every translator throws, E.164 numbers,
// provider timestamps and Base64 text. Synchronous code over bytes and strings; no Foundation on this path.

/// Input that cannot be read as the endpoint's format: 400 `invalid_payload` (or 413 for an over-long CDR batch),
/// with a sentence that names the field, so an operator can fix a trunk template from the error alone.
public struct DIDWWInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Not RFC 8259 JSON (or over the scanner's limits).
        case malformedJSON(JSONError)
        /// The JSON value is not an object.
        case notAnObject
        /// A required field is absent, null or empty.
        case missingField(String)
        /// A field is present but cannot be read; `expected` says what it should be.
        case invalidField(String, expected: String)
        /// A body in a format the endpoint does not take (e.g. multipart).
        case unsupportedBody(String)
        /// A CDR body with no record, or with no line that is JSON at all.
        case noRecords(String)
        /// A CDR batch with more records than DIDWW ever sends in one request.
        case tooManyRecords(count: Int, limit: Int)
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var status: Int {
        if case .tooManyRecords = reason { return 413 }
        return 400
    }

    /// The CONTRACT error code.
    public var code: String { status == 413 ? "payload_too_large" : "invalid_payload" }

    public var message: String {
        switch reason {
        case .malformedJSON(let error): return "the body is not valid JSON: \(error.reason.rawValue) at byte \(error.offset)"
        case .notAnObject: return "the body is not a JSON object"
        case .missingField(let field): return "the \(field) field is missing or empty"
        case .invalidField(let field, let expected): return "the \(field) field must be \(expected)"
        case .unsupportedBody(let what): return what
        case .noRecords(let what): return what
        case .tooManyRecords(let count, let limit): return "the batch has \(count) records; at most \(limit) are accepted per request"
        }
    }

    public var description: String { "\(code): \(message)" }

    /// The error response for this failure.
    var response: HTTPResponse { .error(status: status, code: code, message: message) }
}

/// What a translator made of one verified input.
public enum DIDWWTranslation: Sendable, Equatable {
    /// One event for the engine.
    case event(IncomingEvent)
    /// Input that states nothing about any number (another callback type, a pending order, a non-voicemail
    /// platform event): acknowledged, not journaled.
    case ignored(String)
}

/// E.164 numbers as DIDWW and voice platforms write them: `+4420...`, `4420...`, or with spaces, dashes, dots or
/// parentheses. The router compares digits only, so `normalized` is `+` and the digits.
public enum E164 {
    /// E.164 allows at most 15 digits.
    public static let maxDigits = 15

    /// The digits of `text`, or nil when it has anything but one leading `+`, digits and separators, or when it
    /// has no digit or more than 15.
    public static func digits(_ text: String) -> String? {
        var digits: [UInt8] = []
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte)
            case UInt8(ascii: "+") where offset == 0: continue
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return nil
            }
            if digits.count > maxDigits { return nil }
        }
        return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
    }

    /// `+` and the digits, or nil (see `digits`).
    public static func normalized(_ text: String) -> String? { digits(text).map { "+" + $0 } }
}

/// Percent-decoding of values that a sender left RFC 3986 encoded (DIDWW writes `{SMS_SRC_ADDR}` and
/// `{SMS_DST_ADDR}` that way, so `+44...` can arrive as `%2B44...` even inside JSON).
enum PercentText {
    /// `%XY` becomes that byte; nothing else changes (`+` stays `+`). Text without `%` is returned as is.
    static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var out: [UInt8] = []
        var rest = Array(text.utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2, let hi = hex(rest[rest.startIndex]),
               let lo = hex(rest[rest.startIndex + 1]) {
                out.append(hi << 4 | lo)
                rest = rest.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Base64 as DIDWW's `{SMS_TEXT_BASE64_ENCODED}` produces it, read leniently: the standard and URL-safe
/// alphabets, padding optional, line breaks ignored, and a space read as `+` (a `+` left unescaped in a form or
/// query value arrives as a space).
public enum Base64Text {
    /// The decoded bytes, or nil for a character outside the alphabets or an impossible length.
    public static func decode(_ text: String) -> [UInt8]? {
        var sextets: [UInt8] = []
        sextets.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { continue }
            guard padding == 0, let value = sextet(byte) else { return nil }
            sextets.append(value)
        }
        guard sextets.count % 4 != 1, padding <= 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(sextets.count * 3 / 4)
        var index = 0
        while index < sextets.count {
            let chunk = sextets[index..<min(index + 4, sextets.count)]
            var word: UInt32 = 0
            for value in chunk { word = word << 6 | UInt32(value) }
            word <<= UInt32(6 * (4 - chunk.count))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            if chunk.count > 2 { out.append(UInt8(truncatingIfNeeded: word >> 8)) }
            if chunk.count > 3 { out.append(UInt8(truncatingIfNeeded: word)) }
            index += 4
        }
        return out
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
