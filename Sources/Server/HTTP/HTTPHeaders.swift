/// Header fields in the order received, duplicates kept, looked up case-insensitively.
/// Storage is one byte array holding the field lines as sent plus offsets into it, so a parsed request costs
/// two allocations for all of its fields; names and values become Strings only when asked for.
public struct HTTPHeaders: Sendable, Equatable, RandomAccessCollection {
    struct Field: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    private let bytes: [UInt8]
    private let fields: [Field]

    init(bytes: [UInt8], fields: [Field]) {
        self.bytes = bytes
        self.fields = fields
    }

    public init() {
        self.init(bytes: [], fields: [])
    }

    /// Builds headers from pairs, for responses, fakes and tests. The pairs are stored as given, not validated.
    public init(_ pairs: [(String, String)]) {
        var bytes: [UInt8] = []
        var fields: [Field] = []
        for (name, value) in pairs {
            let nameStart = Int32(bytes.count)
            bytes += name.utf8
            let nameEnd = Int32(bytes.count)
            bytes += ": ".utf8
            let valueStart = Int32(bytes.count)
            bytes += value.utf8
            fields.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart, valueEnd: Int32(bytes.count)))
            bytes += "\r\n".utf8
        }
        self.init(bytes: bytes, fields: fields)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { fields.count }

    public subscript(position: Int) -> HTTPField {
        HTTPField(name: String(decoding: nameBytes(at: position), as: UTF8.self),
                  value: String(decoding: valueBytes(at: position), as: UTF8.self))
    }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        firstIndex(named: name).map { String(decoding: valueBytes(at: $0), as: UTF8.self) }
    }

    /// Every value of `name` in order, one per field line (a comma-separated line is not split).
    public func values(_ name: String) -> [String] {
        indices.filter { nameEquals(at: $0, name) }.map { String(decoding: valueBytes(at: $0), as: UTF8.self) }
    }

    public func contains(_ name: String) -> Bool { firstIndex(named: name) != nil }

    /// The first value of `name` as the exact bytes received (signature checks want bytes, not Strings).
    public func firstValueBytes(_ name: String) -> ArraySlice<UInt8>? {
        firstIndex(named: name).map { valueBytes(at: $0) }
    }

    func firstIndex(named name: String) -> Int? {
        indices.first { nameEquals(at: $0, name) }
    }

    func nameBytes(at index: Int) -> ArraySlice<UInt8> {
        bytes[Int(fields[index].nameStart)..<Int(fields[index].nameEnd)]
    }

    func valueBytes(at index: Int) -> ArraySlice<UInt8> {
        bytes[Int(fields[index].valueStart)..<Int(fields[index].valueEnd)]
    }

    /// ASCII case-insensitive comparison; field names are tokens, so ASCII folding is the whole story.
    func nameEquals(at index: Int, _ name: String) -> Bool {
        let field = fields[index]
        let length = Int(field.nameEnd - field.nameStart)
        guard name.utf8.count == length else { return false }
        var position = Int(field.nameStart)
        for byte in name.utf8 {
            if HTTPSyntax.lowercased(bytes[position]) != HTTPSyntax.lowercased(byte) { return false }
            position += 1
        }
        return true
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in lhs.indices where lhs.nameBytes(at: index) != rhs.nameBytes(at: index)
            || lhs.valueBytes(at: index) != rhs.valueBytes(at: index) {
            return false
        }
        return true
    }
}

public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension HTTPHeaders {
    /// Copies the field lines in `section` of `input` once; `fields` hold offsets relative to `input`.
    init(copying input: UnsafeBufferPointer<UInt8>, section: Range<Int>, fields: [Field]) {
        let base = Int32(section.lowerBound)
        self.init(bytes: Array(UnsafeBufferPointer(rebasing: input[section])),
                  fields: fields.map {
                      Field(nameStart: $0.nameStart - base, nameEnd: $0.nameEnd - base,
                            valueStart: $0.valueStart - base, valueEnd: $0.valueEnd - base)
                  })
    }
}

/// Collects field lines (the header section or the chunked trailer section) under a count limit.
struct FieldSectionReader: Sendable {
    var lines = HTTPSyntax.LineScanner()
    var fields: [HTTPHeaders.Field] = []
    /// Offset of the first field line.
    var sectionStart = 0

    enum Result {
        case needMore
        case failed(HTTPParseError)
        /// The section ended; `end` is the offset just after the empty line.
        case complete(HTTPHeaders, end: Int)
    }

    /// Reads field lines from `input` until the empty line. `what` names the section in error messages.
    mutating func read(_ input: UnsafeBufferPointer<UInt8>, maxBytes: Int, maxCount: Int, what: String) -> Result {
        while true {
            switch lines.next(in: input, limit: maxBytes) {
            case .needMore:
                return .needMore
            case .limitReached:
                return .failed(.headersTooLarge("The \(what) is larger than \(maxBytes) bytes."))
            case .bareLF:
                return .failed(.badRequest("Lines in the \(what) must end in CRLF, not a bare LF."))
            case .line(let line) where line.isEmpty:
                let headers = HTTPHeaders(copying: input, section: sectionStart..<line.lowerBound, fields: fields)
                return .complete(headers, end: lines.lineStart)
            case .line(let line):
                guard fields.count < maxCount else {
                    return .failed(.headersTooLarge("The \(what) has more than \(maxCount) fields."))
                }
                switch HTTPSyntax.parseFieldLine(input, line) {
                case .success(let field): fields.append(field)
                case .failure(let error): return .failed(error)
                }
            }
        }
    }
}
