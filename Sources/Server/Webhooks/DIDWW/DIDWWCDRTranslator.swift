import NumberActors

// DIDWW CDR streaming → the engine's `IncomingEvent`s (DESIGN.md §Signatures, §The lifecycle: usage).
//
// A request body (already gunzipped) holds up to 1000 JSON records, one per line ("JSONEachRow"); blank lines and
// CRLF endings are tolerated. A Voice IN record:
//   {"type":"inbound-cdr","id":"<uuid>","attributes":{"did_number":"4420...","src_number":"4477...",
//    "time_start":"2019-10-31 14:50:18.930234","time_connect":null,"time_end":"...","duration":0,
//    "success":false,"is_last_cdr":true,...}}
// - `id` (required): the dedupe key on channel `cdr`;
// - `attributes.did_number` (required, E.164 digits): the route key;
// - `attributes.time_start` (required; DIDWW's `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, or ISO 8601): the event time,
//   which decides the usage month;
// - `attributes.success` (required boolean), `attributes.duration` (required seconds; a fraction is rounded up;
//   null only on an unsuccessful call, read as 0), `attributes.is_last_cdr` (optional boolean: a call with
//   several legs counts once, with its last CDR), `attributes.src_number` (optional caller).
// Records of another type (`outbound-cdr` from a Voice OUT stream sent to the same URL) concern no number: they
// are acknowledged and not journaled. A record that cannot be read is reported on its own, so one bad line never
// makes DIDWW retry the whole batch; a body with no record, or with no JSON line at all, is refused as a whole.

/// What one CDR request body holds.
public struct DIDWWCDRBatch: Sendable, Equatable {
    /// A line that is not a readable CDR: its 1-based line number, why, and its first bytes (for the log).
    public struct Unreadable: Sendable, Equatable {
        public var line: Int
        public var error: DIDWWInputError
        public var excerpt: String
        /// Hex of SHA-256 over the whole record: its dedupe key, so a batch DIDWW sends again parks it once.
        public var digest: String

        /// The parked event that keeps it: no number, no routing key, so the engine parks it.
        public func parkedEvent(receivedAt: Int64) -> IncomingEvent {
            IncomingEvent(channel: DIDWWCDRTranslator.channel, source: EventSource(eventID: "unreadable:" + digest, time: receivedAt),
                          payload: .unreadableRecord(source: "cdr", reason: error.message, excerpt: excerpt))
        }
    }

    /// Non-blank lines (every record DIDWW sent, readable or not).
    public var records = 0
    /// Inbound CDRs to journal, in body order.
    public var events: [IncomingEvent] = []
    /// Records of another type, acknowledged and not journaled.
    public var ignored = 0
    public var unreadable: [Unreadable] = []

    public init(records: Int = 0, events: [IncomingEvent] = [], ignored: Int = 0, unreadable: [Unreadable] = []) {
        self.records = records
        self.events = events
        self.ignored = ignored
        self.unreadable = unreadable
    }
}

/// Translates CDR streaming bodies. Stateless and `Sendable`.
public struct DIDWWCDRTranslator: Sendable {
    /// `IncomingEvent.channel` of call records.
    public static let channel = "cdr"
    /// DIDWW sends at most this many records per request.
    public static let maxRecords = 1000
    /// Bytes of an unreadable line kept for the log.
    static let excerptBytes = 200

    public init() {}

    /// Splits and translates a decompressed body; throws only when the body as a whole cannot be read.
    public func translate(_ body: [UInt8]) throws(DIDWWInputError) -> DIDWWCDRBatch {
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        for (index, raw) in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = Self.trimmed(raw)
            if !line.isEmpty { lines.append((index + 1, line)) }
        }
        guard !lines.isEmpty else { throw DIDWWInputError(.noRecords("the body has no CDR records")) }
        guard lines.count <= Self.maxRecords else {
            throw DIDWWInputError(.tooManyRecords(count: lines.count, limit: Self.maxRecords))
        }
        var batch = DIDWWCDRBatch(records: lines.count)
        var sawJSON = false
        for (number, bytes) in lines {
            let document: JSONDocument
            do {
                document = try JSONScanner.parse(Array(bytes))
            } catch {
                batch.unreadable.append(Self.unreadable(number, DIDWWInputError(.malformedJSON(error)), bytes))
                continue
            }
            sawJSON = true
            do {
                switch try record(document.root) {
                case .event(let event): batch.events.append(event)
                case .ignored: batch.ignored += 1
                }
            } catch {
                batch.unreadable.append(Self.unreadable(number, error, bytes))
            }
        }
        guard sawJSON else {
            throw DIDWWInputError(.noRecords("no line of the body is JSON; CDR streaming sends one JSON record per line"))
        }
        return batch
    }

    static func unreadable(_ line: Int, _ error: DIDWWInputError, _ bytes: ArraySlice<UInt8>) -> DIDWWCDRBatch.Unreadable {
        let digest = DevelopmentSecretsFile.hex(Array(CustomerWebhookSecret.sha256(Array(bytes)).prefix(16)))
        return DIDWWCDRBatch.Unreadable(line: line, error: error, excerpt: excerpt(bytes), digest: digest)
    }

    /// Translates one parsed record.
    public func record(_ root: JSONValue) throws(DIDWWInputError) -> DIDWWTranslation {
        guard root.kind == .object else { throw DIDWWInputError(.notAnObject) }
        let type = try Self.string(root, "type")
        guard type == "inbound-cdr" else { return .ignored("CDR type \(type)") }
        let id = try Self.string(root, "id")
        guard let attributes = root["attributes"], attributes.kind == .object else {
            throw DIDWWInputError(.missingField("attributes"))
        }
        let didNumber = try Self.string(attributes, "did_number", in: "attributes", numbersAllowed: true)
        guard let digits = E164.digits(didNumber) else {
            throw DIDWWInputError(.invalidField("attributes.did_number", expected: "an E.164 number"))
        }
        guard let time = ProviderTime.parse(try Self.string(attributes, "time_start", in: "attributes")) else {
            throw DIDWWInputError(.invalidField("attributes.time_start", expected: "a date and time"))
        }
        guard let success = attributes["success"]?.bool else {
            throw DIDWWInputError(.invalidField("attributes.success", expected: "true or false"))
        }
        let duration = try Self.duration(attributes["duration"], success: success)
        var isLast: Bool?
        if let value = attributes["is_last_cdr"], !value.isNull {
            guard let flag = value.bool else {
                throw DIDWWInputError(.invalidField("attributes.is_last_cdr", expected: "true, false or null"))
            }
            isLast = flag
        }
        let from = attributes["src_number"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let call = CallRecord(durationSeconds: duration, success: success, isLastCDR: isLast, from: from)
        return .event(IncomingEvent(channel: Self.channel, keys: [RouteKey(.e164, digits)],
                                    source: EventSource(eventID: id, time: time), payload: .callRecorded(call)))
    }

    /// Whole seconds, a fraction rounded up; null counts as 0 only for an unsuccessful call.
    static func duration(_ value: JSONValue?, success: Bool) throws(DIDWWInputError) -> Int64 {
        let invalid = DIDWWInputError(.invalidField("attributes.duration", expected: "a number of seconds, 0 or more"))
        guard let value, !value.isNull else {
            if success { throw invalid }
            return 0
        }
        if let whole = value.int64 {
            guard whole >= 0 else { throw invalid }
            return whole
        }
        guard let seconds = value.double, seconds >= 0, seconds < 1e15 else { throw invalid }
        return Int64(seconds.rounded(.up))
    }

    /// A required non-empty string (or, where allowed, a number written as digits).
    static func string(_ object: JSONValue, _ name: String, in parent: String = "",
                       numbersAllowed: Bool = false) throws(DIDWWInputError) -> String {
        let path = parent.isEmpty ? name : parent + "." + name
        guard let value = object[name], !value.isNull else { throw DIDWWInputError(.missingField(path)) }
        if numbersAllowed, let digits = value.int64, digits >= 0 { return String(digits) }
        guard let text = value.string else { throw DIDWWInputError(.invalidField(path, expected: "a string")) }
        guard !text.isEmpty else { throw DIDWWInputError(.missingField(path)) }
        return text
    }

    static func excerpt(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(excerptBytes), as: UTF8.self)
    }

    static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var line = line
        while let last = line.last, DIDWWSMSTranslator.isWhitespace(last) { line.removeLast() }
        while let first = line.first, DIDWWSMSTranslator.isWhitespace(first) { line.removeFirst() }
        return line
    }
}
