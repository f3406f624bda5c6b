/// Why a document is not accepted by `JSONScanner` (RFC 8259, plus the scanner's own limits).
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, Equatable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd = "unexpected_end"
        /// A byte that cannot start or continue a value here (includes trailing commas and bad literals).
        case unexpectedByte = "unexpected_byte"
        /// A backslash not followed by one of `"\/bfnrt` or `u` + 4 hex digits.
        case invalidEscape = "invalid_escape"
        /// A `\u` escape naming a lone or reversed UTF-16 surrogate.
        case loneSurrogate = "lone_surrogate"
        /// Bytes in a string that are not well-formed UTF-8 (overlong, surrogate, out of range, truncated).
        case invalidUTF8 = "invalid_utf8"
        /// An unescaped control character (U+0000–U+001F) inside a string.
        case controlCharacter = "control_character"
        /// A number that does not follow the RFC 8259 grammar (leading zeros, `.5`, `1.`, `1e`, `+1`, ...).
        case invalidNumber = "invalid_number"
        /// A number token longer than `JSONScanner.Limits.maxNumberLength`.
        case numberTooLong = "number_too_long"
        /// A number whose magnitude is beyond `Double` (`1e400`).
        case numberOutOfRange = "number_out_of_range"
        /// Objects and arrays nested deeper than the limit.
        case tooDeep = "too_deep"
        /// Something other than whitespace after the top-level value.
        case trailingData = "trailing_data"
        /// The document is larger than the scanner addresses (4 GiB) or than the caller's limit.
        case tooLarge = "too_large"
    }

    public var reason: Reason
    /// Byte offset where the problem was found.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid JSON (\(reason.rawValue)) at byte \(offset)" }
}
