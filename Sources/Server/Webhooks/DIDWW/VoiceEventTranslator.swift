import NumberActors

// The operator's own voice platform → the engine's `IncomingEvent` (CONTRACT.md §Webhook ingestion).
//
//   {"type":"voicemail","id":"vm_1","number":"+442071838750","from":"+447700900123","seconds":42,
//    "recording_url":"https://...","time":"2025-02-14T14:51:41Z"}
// - `id` (required): the dedupe key on channel `voice`; `number` (required, E.164): the route key;
// - `from` (required; may be `anonymous`), `seconds` (required integer, 0 or more), `recording_url` (required);
// - `time` (optional): ISO 8601, RFC 1123 or Unix seconds (a JSON integer or a string); absent means the time of
//   receipt.
// Other `type`s state nothing about a number yet: acknowledged, not journaled.

/// Translates voice platform events. Stateless and `Sendable`.
public struct VoiceEventTranslator: Sendable {
    /// `IncomingEvent.channel` of voice platform events.
    public static let channel = "voice"

    public init() {}

    public func translate(_ body: [UInt8], receivedAt: UnixSeconds) throws(DIDWWInputError) -> DIDWWTranslation {
        let document: JSONDocument
        do {
            document = try JSONScanner.parse(body)
        } catch {
            throw DIDWWInputError(.malformedJSON(error))
        }
        let root = document.root
        guard root.kind == .object else { throw DIDWWInputError(.notAnObject) }
        let type = try DIDWWCDRTranslator.string(root, "type")
        guard type == "voicemail" else { return .ignored("voice event type \(type)") }
        let id = try DIDWWCDRTranslator.string(root, "id")
        let number = try DIDWWCDRTranslator.string(root, "number")
        guard let digits = E164.digits(number) else {
            throw DIDWWInputError(.invalidField("number", expected: "an E.164 number"))
        }
        let from = try DIDWWCDRTranslator.string(root, "from")
        let recordingURL = try DIDWWCDRTranslator.string(root, "recording_url")
        guard let secondsValue = root["seconds"], !secondsValue.isNull else { throw DIDWWInputError(.missingField("seconds")) }
        guard let seconds = secondsValue.int64, seconds >= 0 else {
            throw DIDWWInputError(.invalidField("seconds", expected: "a whole number of seconds, 0 or more"))
        }
        let time = try Self.time(root["time"]) ?? receivedAt
        let voicemail = Voicemail(from: from, seconds: seconds, recordingURL: recordingURL)
        return .event(IncomingEvent(channel: Self.channel, keys: [RouteKey(.e164, digits)],
                                    source: EventSource(eventID: id, time: time), payload: .voicemailLeft(voicemail)))
    }

    static func time(_ value: JSONValue?) throws(DIDWWInputError) -> UnixSeconds? {
        guard let value, !value.isNull else { return nil }
        let invalid = DIDWWInputError(.invalidField("time", expected: "an ISO 8601 or RFC 1123 time, or Unix seconds"))
        if let seconds = value.int64 {
            guard seconds >= 0 else { throw invalid }
            return seconds
        }
        guard let text = value.string, let parsed = ProviderTime.parse(text) else { throw invalid }
        return parsed
    }
}
