#if canImport(Glibc)
import Glibc
#endif

/// Compact binary encoding of `DomainEvent` (journal payloads) and `NumberState` (snapshot entities).
/// Layout: docs/domain-formats.md. Every payload starts with a format version byte; integers are little-endian
/// (LEB128 varints, or fixed 8-byte words for hashes). Decoding is bounds-checked and throws on any bad input.
public enum DomainCodec {
    public static let eventFormatVersion: UInt8 = 1
    public static let stateFormatVersion: UInt8 = 1

    public static func encode(_ event: DomainEvent) -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(eventFormatVersion)
        writer.write(event)
        return writer.bytes
    }

    public static func decodeEvent(_ bytes: [UInt8]) throws(DomainCodecError) -> DomainEvent {
        try decode(bytes, version: eventFormatVersion)
    }

    public static func encode(_ state: NumberState) -> [UInt8] {
        var writer = DomainWriter(capacity: 1_536)
        writer.u8(stateFormatVersion)
        writer.write(state)
        return writer.bytes
    }

    public static func decodeState(_ bytes: [UInt8]) throws(DomainCodecError) -> NumberState {
        try decode(bytes, version: stateFormatVersion)
    }

    /// A payload that is its version byte and one value, nothing after it.
    private static func decode<T: DomainCodable>(_ bytes: [UInt8], version: UInt8) throws(DomainCodecError) -> T {
        try DomainReader.reading(bytes) { reader throws(DomainCodecError) in
            let found = try reader.u8()
            guard found == version else { throw .unsupportedVersion(found) }
            let value: T = try reader.read()
            try reader.finish()
            return value
        }
    }
}

public enum DomainCodecError: Error, Equatable, Sendable {
    case unsupportedVersion(UInt8)
    /// The input ended at `offset` while `needed` more bytes were expected.
    case truncated(offset: Int, needed: Int)
    case varintOverflow(offset: Int)
    case invalidUTF8(offset: Int)
    case invalidTag(type: String, tag: UInt8, offset: Int)
    case invalidValue(String, offset: Int)
    case trailingBytes(count: Int)
}

/// A value with a fixed place in the domain formats.
protocol DomainCodable {
    func encode(to writer: inout DomainWriter)
    init(from reader: inout DomainReader) throws(DomainCodecError)
}

/// Appends into one growing buffer that it owns (no copy-on-write checks per byte); `bytes` hands out a copy.
struct DomainWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 128) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: [UInt8] { [UInt8](UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written so far, without a copy (valid only inside `body`).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Starts again from empty, keeping the buffer (one writer encodes many values in turn).
    mutating func removeAll() { count = 0 }

    @inline(__always) private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, count + n)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    mutating func u8(_ value: UInt8) {
        reserve(1)
        base[count] = value
        count += 1
    }

    mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    /// Unsigned LEB128.
    mutating func uvarint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            base[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count += 1
            v >>= 7
        }
        base[count] = UInt8(v)
        count += 1
    }

    /// ZigZag, then unsigned LEB128.
    mutating func svarint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func count(_ value: Int) { uvarint(UInt64(value)) }

    mutating func u64(_ value: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: value.littleEndian, as: UInt64.self)
        count += 8
    }

    mutating func raw(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(utf8.count)
        if let source = utf8.baseAddress { (base + count).update(from: source, count: utf8.count) }
        count += utf8.count
    }

    mutating func string(_ value: String) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            count(utf8.count)
            raw(utf8)
        }
        if done == nil {
            var copy = value
            copy.withUTF8 { utf8 in
                count(utf8.count)
                raw(utf8)
            }
        }
    }

    mutating func optionalString(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }

    mutating func optionalInt(_ value: Int64?) {
        bool(value != nil)
        if let value { svarint(value) }
    }

    mutating func write<T: DomainCodable>(_ value: T) { value.encode(to: &self) }

    mutating func write<T: DomainCodable>(_ value: T?) {
        bool(value != nil)
        if let value { value.encode(to: &self) }
    }

    mutating func write<T: DomainCodable>(_ values: [T]) {
        count(values.count)
        for value in values { value.encode(to: &self) }
    }
}

/// Bounds-checked reader: every read checks the remaining length first and throws, never traps.
///
/// It reads memory it does not own (a journal record or snapshot entity in place, with no copy): build it
/// with `reading(_:_:)` over an array, or over bytes that outlive it.
struct DomainReader {
    /// The bytes as a plain pointer and length (cheaper to index than a buffer pointer, whose base is optional).
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private(set) var offset = 0
    /// Strings decoded last that needed heap storage: a state repeats many of its ids (an event id is in a
    /// fact's stamp, the history and the call or SMS entry; the forwarding address in the reservation and the
    /// forwarding fact). A repeat returns the same storage instead of a copy, as the live transition shares it.
    private var recent = RecentStrings()

    /// A reader of `bytes`, which must stay valid and unchanged while it is used.
    init(unsafeBytes bytes: UnsafeRawBufferPointer) {
        // An empty input has no address; nothing is ever read through this one (every read checks `end`).
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 0x10)!
        end = bytes.count
    }

    /// Runs `body` with a reader of `bytes`.
    @inline(__always)
    static func reading<R>(_ bytes: [UInt8], _ body: (inout DomainReader) throws(DomainCodecError) -> R) throws(DomainCodecError) -> R {
        do {
            return try bytes.withUnsafeBytes { raw in
                var reader = DomainReader(unsafeBytes: raw)
                return try body(&reader)
            }
        } catch let error as DomainCodecError {
            throw error
        } catch {
            preconditionFailure("a domain reader throws only DomainCodecError: \(error)")
        }
    }

    var remaining: Int { end - offset }

    /// A reader of the same bytes from here on that remembers no strings (for a look ahead that copies nothing).
    var lookahead: DomainReader {
        var ahead = DomainReader(unsafeBytes: UnsafeRawBufferPointer(start: base, count: end))
        ahead.offset = offset
        return ahead
    }

    /// Steps over a varint without decoding it (an unterminated one throws).
    mutating func skipVarint() throws(DomainCodecError) {
        var at = offset
        while at < end {
            let byte = base[at]
            at += 1
            if byte & 0x80 == 0 {
                offset = at
                return
            }
        }
        throw .truncated(offset: at, needed: 1)
    }

    /// Steps over a string without decoding it.
    mutating func skipString() throws(DomainCodecError) {
        let n = try count()
        offset += n
    }

    private func need(_ n: Int) throws(DomainCodecError) {
        guard n <= remaining else { throw .truncated(offset: offset, needed: n) }
    }

    @inline(__always) mutating func u8() throws(DomainCodecError) -> UInt8 {
        guard offset < end else { throw .truncated(offset: offset, needed: 1) }
        defer { offset += 1 }
        return base[offset]
    }

    mutating func bool() throws(DomainCodecError) -> Bool {
        let at = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw .invalidValue("bool", offset: at)
        }
    }

    @inline(__always) mutating func uvarint() throws(DomainCodecError) -> UInt64 {
        if offset < end {
            // One byte: the common case (counts, lengths, tags, small numbers).
            let byte = base[offset]
            if byte < 0x80 {
                offset += 1
                return UInt64(byte)
            }
        }
        return try longUvarint()
    }

    private mutating func longUvarint() throws(DomainCodecError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var at = offset
        while at < end {
            let byte = base[at]
            at += 1
            if shift == 63 && byte > 1 { throw .varintOverflow(offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                offset = at
                return result
            }
            shift += 7
        }
        throw .truncated(offset: at, needed: 1)
    }

    mutating func svarint() throws(DomainCodecError) -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A non-negative integer that must fit `range` (checked before any allocation depends on it).
    @inline(__always) mutating func int(in range: ClosedRange<Int>, _ what: String) throws(DomainCodecError) -> Int {
        let at = offset
        let raw = try uvarint()
        guard raw <= UInt64(Int.max), range.contains(Int(raw)) else { throw .invalidValue(what, offset: at) }
        return Int(raw)
    }

    /// An element count; each element takes at least `minimumBytes`, so a count larger than the rest of the
    /// input is refused before allocating.
    @inline(__always) mutating func count(minimumBytes: Int = 1) throws(DomainCodecError) -> Int {
        let at = offset
        let n = try int(in: 0...Int(Int32.max), "count")
        guard n.multipliedReportingOverflow(by: minimumBytes).partialValue <= remaining else {
            throw .truncated(offset: at, needed: n * minimumBytes)
        }
        return n
    }

    mutating func u64() throws(DomainCodecError) -> UInt64 {
        try need(8)
        let value = UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
        offset += 8
        return value
    }

    /// The next `n` bytes (checked by the caller) as UTF-8 code units.
    private func utf8(at start: Int, count n: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: n)
    }

    mutating func string() throws(DomainCodecError) -> String {
        let n = try count()
        if n == 0 { return "" }
        let start = offset
        let shared = n > RecentStrings.smallStringBytes
        let utf8 = utf8(at: start, count: n)
        if shared, let repeated = recent.find(utf8) {
            offset += n
            return repeated
        }
        // `String(decoding:)` on a contiguous buffer is the fast path; it repairs invalid input, so anything
        // that is not plain ASCII is compared back against the input bytes.
        var text = String(decoding: utf8, as: UTF8.self)
        guard Self.isASCII(utf8) || text.withUTF8({ $0.count == utf8.count && $0.elementsEqual(utf8) }) else {
            throw .invalidUTF8(offset: start)
        }
        offset += n
        if shared { recent.remember(text) }
        return text
    }

    /// A string that is usually one of `table` (known names): returns its index + 1 without allocating, or 0
    /// and the string itself.
    mutating func name(in table: NameTable) throws(DomainCodecError) -> (code: UInt8, text: String?) {
        let at = offset
        let n = try count()
        if let code = table.index(of: utf8(at: offset, count: n)) {
            offset += n
            return (UInt8(code + 1), nil)
        }
        offset = at
        return (0, try string())
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        var bits: UInt64 = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= raw.count {
            bits |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < raw.count {
            bits |= UInt64(raw[i])
            i += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    mutating func optionalString() throws(DomainCodecError) -> String? {
        try bool() ? try string() : nil
    }

    mutating func optionalInt() throws(DomainCodecError) -> Int64? {
        try bool() ? try svarint() : nil
    }

    mutating func read<T: DomainCodable>() throws(DomainCodecError) -> T { try T(from: &self) }

    mutating func readOptional<T: DomainCodable>() throws(DomainCodecError) -> T? {
        try bool() ? try T(from: &self) : nil
    }

    mutating func readArray<T: DomainCodable>() throws(DomainCodecError) -> [T] {
        let n = try count()
        var values: [T] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try T(from: &self)) }
        return values
    }

    /// Tag byte with its offset, for error messages.
    mutating func tag() throws(DomainCodecError) -> (tag: UInt8, offset: Int) {
        let at = offset
        return (try u8(), at)
    }

    func finish() throws(DomainCodecError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }
}


/// The last few heap-allocated strings a reader decoded, matched by their UTF-8 bytes. Fixed size and inline
/// (no allocation per reader); strings of up to 15 UTF-8 bytes are stored inline by `String` and never kept.
struct RecentStrings {
    static let smallStringBytes = 15
    private var slots: (String, String, String, String, String, String, String, String,
                        String, String, String, String, String, String, String, String) =
        ("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "")
    /// Per slot, the length and last 8 bytes of its string mixed into a word: most candidates are told apart
    /// here, without touching (or retaining) the string. Ids of one kind share their length and prefix.
    private var keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private static let slotCount = 16
    private var next = 0

    /// Only for more than `smallStringBytes` bytes (so the last 8 exist).
    private static func key(_ utf8: UnsafeRawBufferPointer) -> UInt64 {
        utf8.loadUnaligned(fromByteOffset: utf8.count - 8, as: UInt64.self) ^ (UInt64(utf8.count) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A remembered string whose UTF-8 equals `utf8`.
    mutating func find(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        let wanted = Self.key(UnsafeRawBufferPointer(utf8))
        let slot: Int? = withUnsafePointer(to: &keys) { tuple in
            tuple.withMemoryRebound(to: UInt64.self, capacity: Self.slotCount) { keys in
                (0..<Self.slotCount).first { keys[$0] == wanted }
            }
        }
        guard let slot else { return nil }
        return withUnsafeMutablePointer(to: &slots) { tuple -> String? in
            tuple.withMemoryRebound(to: String.self, capacity: Self.slotCount) { strings -> String? in
                var candidate = strings[slot]
                let equal = candidate.withUTF8 { $0.count == utf8.count && memcmp($0.baseAddress!, utf8.baseAddress!, utf8.count) == 0 }
                return equal ? candidate : nil
            }
        }
    }

    mutating func remember(_ text: String) {
        var text = text
        let key = text.withUTF8 { Self.key(UnsafeRawBufferPointer($0)) }
        let slot = next
        next = (next + 1) % Self.slotCount
        withUnsafeMutablePointer(to: &slots) { tuple in
            tuple.withMemoryRebound(to: String.self, capacity: Self.slotCount) { $0[slot] = text }
        }
        withUnsafeMutablePointer(to: &keys) { tuple in
            tuple.withMemoryRebound(to: UInt64.self, capacity: Self.slotCount) { $0[slot] = key }
        }
    }
}

/// Known names (event kinds, ignore reasons) by their UTF-8, looked up among the few of the same length.
struct NameTable: Sendable {
    private let names: [[UInt8]]
    /// Indices into `names` by length; lengths past the end have no names.
    private let byLength: [[Int]]

    init(_ strings: [String]) {
        names = strings.map { Array($0.utf8) }
        var byLength = [[Int]](repeating: [], count: (names.map(\.count).max() ?? 0) + 1)
        for (index, name) in names.enumerated() { byLength[name.count].append(index) }
        self.byLength = byLength
    }

    /// The index of the name whose UTF-8 is `candidate`.
    func index(of candidate: UnsafeBufferPointer<UInt8>) -> Int? {
        guard candidate.count < byLength.count else { return nil }
        for index in byLength[candidate.count] {
            let equal = names[index].withUnsafeBufferPointer { known in
                candidate.count == 0 || memcmp(known.baseAddress!, candidate.baseAddress!, candidate.count) == 0
            }
            if equal { return index }
        }
        return nil
    }
}
