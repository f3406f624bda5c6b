import CCrypto
import Glibc

// Stripe webhook signatures (`Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`), DESIGN.md §Signatures.
//
// The reference is the official Python SDK (`stripe` on PyPI, `stripe/_webhook.py`,
// `WebhookSignature.verify_header`); on every header our verdict equals its verdict. Its parsing, reproduced here:
//
//   items = [i.split("=", 2) for i in header.split(",")]
//   timestamp = int([i[1] for i in items if i[0] == "t"][0])
//   signatures = [i[1] for i in items if i[0] == "v1"]
//
// which means, byte for byte:
// - items are split on `,`; an item's key is the text before its first `=`, compared exactly (no trimming, so
//   ` t=1` has key ` t`, and `t =1` has key `t `); empty items and unknown keys (`v0`, `V1`, ...) are ignored;
// - an item's value is the text between its first and its second `=` (`split("=", 2)` keeps at most three parts and
//   the SDK reads part 1): `v1=<hex>=junk` carries the signature `<hex>`, `t=5=6` carries the timestamp `5`;
// - an item that is exactly `t` or `v1` (no `=`) makes the whole header malformed, even next to valid items
//   (`i[1]` raises for it while the list is built);
// - only the first `t` counts (a later `t=garbage` is harmless); it is read with Python's `int()`: surrounding
//   whitespace (ASCII ` \t\n\v\f\r` and the Unicode spaces U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
//   U+202F, U+205F, U+3000), one `+` or `-`, single `_` between digits, leading zeros, any Unicode decimal digit
//   (Arabic-Indic, fullwidth, mathematical ... as of Unicode 14.0, Python 3.11's tables), at most 4300 digits
//   (Python's int-from-string limit);
// - the signed message uses the timestamp as the SDK re-prints it (`"%d.%s" % (timestamp, payload)`), so
//   `t=+0017_00` is signed as `1700.`: canonical decimal, no sign unless negative, no leading zeros;
// - every `v1` is a candidate, compared with `hmac.compare_digest` against the lowercase hex digest (so uppercase hex
//   never matches). `compare_digest` raises `TypeError` on a non-ASCII string, and `any()` stops at the first
//   match, so a non-ASCII `v1` rejects unless a matching `v1` comes before it: only the `v1`s before the first
//   non-ASCII one count here too;
// - the age check comes last, after a signature matched: `if tolerance and timestamp < time.time() - tolerance`.
//   A future timestamp passes; tolerance 0 turns the check off.
//
// Mapping of the SDK's outcomes to our codes (CONTRACT.md §Webhook ingestion):
// - empty or missing header; "Unable to extract timestamp and signatures" (no `t`, bad `t`, bare `t` / `v1` item);
//   "No signatures found with expected scheme v1" → `malformed_signature_header`;
// - "No signatures found matching the expected signature", and the `TypeError` of a non-ASCII `v1` →
//   `invalid_signature` (a `v1=` with an empty value is a signature that does not match, not a malformed header);
// - "Timestamp outside the tolerance zone" → `timestamp_out_of_tolerance`.
// Rotation: the SDK takes one secret; with several we accept when the SDK would accept with any one of them, and
// otherwise answer what it answers (`timestamp_out_of_tolerance` when some secret matched a stale timestamp).
//
// Two documented differences that no Stripe delivery can reach: the header arrives as bytes and is read as UTF-8
// (only the `t` value needs decoding; invalid UTF-8 there is malformed), and the body is HMACed as the exact bytes
// received (the SDK first decodes it as UTF-8, and raises on a body that is not UTF-8).
//
// The clock: the SDK compares the integer timestamp with the float `time.time()`; for an integer timestamp,
// `t < f - tolerance` equals `t < ceil(f) - tolerance`, so callers pass `now` = the wall clock rounded up
// (`StripeSignatureVerifier.currentUnixTime()`), and the verdict is the SDK's to the nanosecond.

/// Why a Stripe webhook signature was refused; the raw value is the CONTRACT error code.
public enum StripeSignatureFailure: String, Error, Sendable, Equatable, CaseIterable {
    /// The header is missing or empty, has no parseable `t`, or has no `v1`.
    case malformedSignatureHeader = "malformed_signature_header"
    /// No `v1` matches any configured secret.
    case invalidSignature = "invalid_signature"
    /// A signature matched, but `t` is older than the tolerance.
    case timestampOutOfTolerance = "timestamp_out_of_tolerance"

    /// The snake_case code of CONTRACT.md.
    public var code: String { rawValue }
}

/// The outcome of checking one `Stripe-Signature` header.
public enum StripeSignatureVerdict: Sendable, Equatable {
    case verified
    case rejected(StripeSignatureFailure)

    public var isVerified: Bool { self == .verified }
    /// The CONTRACT error code, or nil when verified.
    public var errorCode: String? {
        if case .rejected(let failure) = self { return failure.code }
        return nil
    }
}

/// Verifies `Stripe-Signature` headers against one or more webhook secrets (rotation). Immutable and `Sendable`:
/// build it once from the configuration and share it between connections.
public struct StripeSignatureVerifier: Sendable {
    public static let defaultTolerance: Int64 = 300

    /// Maximum age of `t` in seconds; 0 turns the age check off (like the SDK, any other value is applied as is).
    public let tolerance: Int64
    /// The secrets' UTF-8 bytes, used whole (`whsec_` prefix included) as HMAC keys.
    private let keys: [[UInt8]]

    /// - Parameter secrets: the configured `whsec_...` secrets. A blank one (empty or only ` \t\r\n\f\v`, which the
    ///   SDK refuses) is dropped, never used as a key: an empty HMAC key would let anyone sign.
    public init(secrets: [String], tolerance: Int64 = StripeSignatureVerifier.defaultTolerance) {
        self.tolerance = tolerance
        self.keys = secrets.compactMap { secret in
            let bytes = Array(secret.utf8)
            return StripeSignature.isBlankSecret(bytes) ? nil : bytes
        }
    }

    /// How many usable secrets the verifier holds (a verifier with none rejects every signature).
    public var secretCount: Int { keys.count }

    /// The wall clock in Unix seconds, rounded up (see the note on the clock above).
    public static func currentUnixTime() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) + (ts.tv_nsec > 0 ? 1 : 0)
    }

    /// Checks `header` (nil when absent) against the exact body bytes, at time `now` (Unix seconds).
    public func verify(payload: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer?, now: Int64) -> StripeSignatureVerdict {
        guard let header, header.count > 0 else { return .rejected(.malformedSignatureHeader) }
        guard let parsed = StripeSignature.scan(header) else { return .rejected(.malformedSignatureHeader) }
        let tValue = UnsafeRawBufferPointer(rebasing: header[parsed.timestamp])
        // Message = canonical timestamp + "." + body, built once in scratch memory and HMACed per secret.
        let capacity = tValue.count + 2 + payload.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { message -> StripeSignatureVerdict in
            guard let stamp = StripeSignature.canonicalTimestamp(tValue, into: message.baseAddress!) else {
                return .rejected(.malformedSignatureHeader)
            }
            var length = stamp.length
            message[length] = UInt8(ascii: ".")
            length += 1
            if payload.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(message)[length..<(length + payload.count)])
                    .copyMemory(from: payload)
            }
            length += payload.count
            let signed = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(message)[0..<length])
            var matched = false
            for key in keys where !matched {
                matched = StripeSignature.anyCandidateMatches(header: header, parsed: parsed, key: key, message: signed)
            }
            guard matched else { return .rejected(.invalidSignature) }
            if tolerance != 0 && StripeSignature.isBefore(stamp, now: now, tolerance: tolerance, digits: message.baseAddress!) {
                return .rejected(.timestampOutOfTolerance)
            }
            return .verified
        }
    }

    public func verify(payload: [UInt8], header: [UInt8]?, now: Int64) -> StripeSignatureVerdict {
        payload.withUnsafeBytes { body in
            guard let header else { return verify(payload: body, header: nil, now: now) }
            return header.withUnsafeBytes { verify(payload: body, header: $0, now: now) }
        }
    }

    public func verify(payload: [UInt8], header: String?, now: Int64) -> StripeSignatureVerdict {
        guard let header else { return verify(payload: payload, header: Optional<[UInt8]>.none, now: now) }
        return verify(payload: payload, header: Array(header.utf8), now: now)
    }
}

/// Signing helpers (tests, `numninja send`) and the parsing pieces of the verifier.
public enum StripeSignature {
    /// Lowercase hex of HMAC-SHA256(key: secret as UTF-8, message: "<timestamp>." + payload).
    public static func v1(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        var message = Array(String(timestamp).utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: payload)
        return hexHMAC(sha256: true, key: Array(secret.utf8), message: message)
    }

    /// The same with the timestamp text used as written (no canonicalization): for tests of odd `t` values.
    public static func v1Raw(payload: [UInt8], secret: String, timestamp: String) -> String {
        hexHMAC(sha256: true, key: Array(secret.utf8), message: Array(timestamp.utf8) + [UInt8(ascii: ".")] + payload)
    }

    /// A header as Stripe sends it: `t=<timestamp>,v1=<hex>` (one `v1` per secret).
    public static func header(payload: [UInt8], secrets: [String], timestamp: Int64) -> String {
        var header = "t=\(timestamp)"
        for secret in secrets { header += ",v1=" + v1(payload: payload, secret: secret, timestamp: timestamp) }
        return header
    }

    // MARK: - Parsing

    struct Scan {
        /// Byte range of the first `t` item's value (between its first and second `=`).
        var timestamp: Range<Int>
        /// Byte offset at which `v1` candidates stop counting (the first non-ASCII `v1`), or header.count.
        var candidateEnd: Int
    }

    /// One pass over the header: nil when the SDK's parsing raises or finds no `v1`.
    static func scan(_ header: UnsafeRawBufferPointer) -> Scan? {
        var timestamp: Range<Int>? = nil
        var sawV1 = false
        var candidateEnd = header.count
        var start = 0
        let count = header.count
        while start <= count {
            var end = start
            while end < count && header[end] != UInt8(ascii: ",") { end += 1 }
            let (key, value) = splitItem(header, start, end)
            if keyIs(header, key, "t") {
                guard let value else { return nil }
                if timestamp == nil { timestamp = value }
            } else if keyIs(header, key, "v1") {
                guard let value else { return nil }
                sawV1 = true
                if candidateEnd == count && !isASCII(header, value) { candidateEnd = start }
            }
            start = end + 1
        }
        guard let timestamp, sawV1 else { return nil }
        return Scan(timestamp: timestamp, candidateEnd: candidateEnd)
    }

    /// Key range (before the first `=`) and value range (between the first and the second `=`; nil without `=`).
    @inline(__always)
    static func splitItem(_ header: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (Range<Int>, Range<Int>?) {
        var eq = start
        while eq < end && header[eq] != UInt8(ascii: "=") { eq += 1 }
        if eq == end { return (start..<end, nil) }
        var valueEnd = eq + 1
        while valueEnd < end && header[valueEnd] != UInt8(ascii: "=") { valueEnd += 1 }
        return (start..<eq, (eq + 1)..<valueEnd)
    }

    @inline(__always)
    static func keyIs(_ header: UnsafeRawBufferPointer, _ key: Range<Int>, _ name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        for i in 0..<key.count where header[key.lowerBound + i] != n[i] { return false }
        return true
    }

    @inline(__always)
    static func isASCII(_ header: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        for i in range where header[i] >= 0x80 { return false }
        return true
    }

    /// Computes HMAC-SHA256 for `key` and compares, in constant time, with each `v1` before the cutoff.
    static func anyCandidateMatches(header: UnsafeRawBufferPointer, parsed: Scan, key: [UInt8],
                                    message: UnsafeRawBufferPointer) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 + 32) { buffer -> Bool in
            let hex = buffer.baseAddress!
            let digest = hex + 64
            var digestLength: UInt32 = 0
            let ok = key.withUnsafeBytes { k in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                     message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, digest, &digestLength)
            }
            precondition(ok != nil && digestLength == 32, "HMAC-SHA256 failed in libcrypto")
            writeLowerHex(digest, count: 32, to: hex)
            var matched = false
            var start = 0
            let end = parsed.candidateEnd
            while start < end {
                var itemEnd = start
                while itemEnd < header.count && header[itemEnd] != UInt8(ascii: ",") { itemEnd += 1 }
                let (itemKey, value) = splitItem(header, start, itemEnd)
                if let value, keyIs(header, itemKey, "v1"), value.count == 64 {
                    let equal = CRYPTO_memcmp(hex, header.baseAddress! + value.lowerBound, 64) == 0
                    matched = matched || equal
                }
                start = itemEnd + 1
            }
            return matched
        }
    }

    static func isBlankSecret(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C || $0 == 0x0B }
    }

    // MARK: - The timestamp, as Python's int() reads it

    struct Stamp {
        /// Bytes written: optional "-" then the digits without leading zeros ("0" for zero).
        var length: Int
        var negative: Bool
    }

    /// Python's `Py_ISSPACE` after `_PyUnicode_TransformDecimalAndSpaceToASCII`.
    @inline(__always)
    static func isIntSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D)
    }

    /// Parses `value` like Python's `int(value)` and writes its `"%d"` form to `out` (room for value.count + 1).
    static func canonicalTimestamp(_ value: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Stamp? {
        // Phases: 0 leading space, 1 first digit due (after an optional sign), 2 in digits, 3 after "_", 4 trailing space.
        var phase = 0
        var negative = false
        var digits = 0          // every digit, leading zeros included (Python's 4300 limit counts them)
        var length = 1          // out[0] is reserved for "-"
        var iterator = value.makeIterator()
        var decoder = UTF8()
        loop: while true {
            var c: UInt8
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                guard let mapped = asciiForInt(scalar) else { return nil }
                c = mapped
            case .emptyInput:
                break loop
            case .error:
                return nil
            }
            let isDigit = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
            switch phase {
            case 0:
                if isIntSpace(c) { continue }
                if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    negative = c == UInt8(ascii: "-")
                    phase = 1
                    continue
                }
                guard isDigit else { return nil }
                phase = 2
            case 1:
                guard isDigit else { return nil }
                phase = 2
            case 2:
                if isDigit { break }
                if c == UInt8(ascii: "_") { phase = 3; continue }
                if isIntSpace(c) { phase = 4; continue }
                return nil
            case 3:
                guard isDigit else { return nil }
                phase = 2
            default:
                if isIntSpace(c) { continue }
                return nil
            }
            // A digit.
            digits += 1
            if digits > 4300 { return nil }
            if length == 1 && c == UInt8(ascii: "0") { continue }
            out[length] = c
            length += 1
        }
        guard phase == 2 || phase == 4 else { return nil }
        if length == 1 {
            out[0] = UInt8(ascii: "0")
            return Stamp(length: 1, negative: false)
        }
        if negative {
            out[0] = UInt8(ascii: "-")
            return Stamp(length: length, negative: true)
        }
        // Shift left over the unused sign slot.
        for i in 1..<length { out[i - 1] = out[i] }
        return Stamp(length: length - 1, negative: false)
    }

    /// Whether the canonical timestamp at `digits` is earlier than `now - tolerance` (exact, any size).
    static func isBefore(_ stamp: Stamp, now: Int64, tolerance: Int64, digits: UnsafeMutablePointer<UInt8>) -> Bool {
        let threshold = Int128(now) - Int128(tolerance)
        let start = stamp.negative ? 1 : 0
        let count = stamp.length - start
        if count > 36 { return stamp.negative }     // |t| >= 10^36 is far beyond any Int64 difference
        var magnitude: Int128 = 0
        for i in start..<stamp.length { magnitude = magnitude * 10 + Int128(digits[i] - UInt8(ascii: "0")) }
        let t = stamp.negative ? -magnitude : magnitude
        return t < threshold
    }

    /// What `_PyUnicode_TransformDecimalAndSpaceToASCII` makes of one scalar: ASCII stays, a Unicode space becomes
    /// " ", a decimal digit becomes its ASCII digit; anything else makes `int()` fail (nil).
    @inline(__always)
    static func asciiForInt(_ scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 127 { return UInt8(v) }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return 0x20
        default: break
        }
        // Zeros of every decimal digit run in Unicode 14.0 (Python 3.11's `unicodedata.decimal`); each run is 0...9.
        for zero in decimalZeros where v >= zero && v < zero + 10 {
            return UInt8(ascii: "0") + UInt8(v - zero)
        }
        return nil
    }

    static let decimalZeros: [UInt32] = [
        0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
        0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50,
        0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0,
        0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
        0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140,
        0x1E2F0, 0x1E950, 0x1FBF0,
    ]
}

// MARK: - Shared HMAC helpers (also used by the DIDWW verifier)

@inline(__always)
func writeLowerHex(_ bytes: UnsafePointer<UInt8>, count: Int, to out: UnsafeMutablePointer<UInt8>) {
    let digits: StaticString = "0123456789abcdef"
    let d = digits.utf8Start
    for i in 0..<count {
        out[2 * i] = d[Int(bytes[i] >> 4)]
        out[2 * i + 1] = d[Int(bytes[i] & 0x0F)]
    }
}

/// Lowercase hex of HMAC-SHA256 (or HMAC-SHA1) through libcrypto's one-shot `HMAC`.
func hexHMAC(sha256: Bool, key: [UInt8], message: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    let ok = key.withUnsafeBytes { k in
        message.withUnsafeBytes { m in
            HMAC(sha256 ? EVP_sha256() : EVP_sha1(), k.baseAddress, Int32(k.count),
                 m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &digest, &length)
        }
    }
    precondition(ok != nil, "HMAC failed in libcrypto")
    var hex = [UInt8](repeating: 0, count: Int(length) * 2)
    digest.withUnsafeBufferPointer { d in hex.withUnsafeMutableBufferPointer { writeLowerHex(d.baseAddress!, count: Int(length), to: $0.baseAddress!) } }
    return String(decoding: hex, as: UTF8.self)
}
