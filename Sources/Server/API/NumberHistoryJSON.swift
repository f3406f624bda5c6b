import NumberActors

/// `GET /api/numbers/{id}/history?kind=calls,sms,voicemail,events&limit=`: the number's recent history
/// (each kind keeps its newest entries, `NumberHistory.capacity` of them), merged newest first by time;
/// entries with the same time keep the order in which they were applied, latest first.
///
/// `{"id": "num_...", "history": [entry, ...]}`, where every entry has `kind`, `id` and `time`:
/// - `call`: `duration_seconds`, `success`, `from`
/// - `sms`: `from`, `to`, `text`
/// - `voicemail`: `from`, `seconds`, `recording_url`
/// - `event`: `event` (the event kind, e.g. `payment_succeeded`), `version`, `sequence`, `outcome`
///   (`applied` or `ignored`) and `reason` (why it was ignored, else null)
struct NumberHistoryQuery: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case calls, sms, voicemail, events
    }

    static let defaultLimit = 50
    static let maximumLimit = 500

    var kinds: Set<Kind> = Set(Kind.allCases)
    var limit = defaultLimit

    static func parse(_ query: Substring?) throws(RequestError) -> NumberHistoryQuery {
        let parameters = QueryParameters(query)
        var result = NumberHistoryQuery()
        for (key, _) in parameters.pairs where key != "kind" && key != "limit" {
            throw .parameter(key, "unknown parameter (expected kind or limit)")
        }
        if let text = parameters.first("kind") {
            var kinds: Set<Kind> = []
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let kind = Kind(rawValue: String(name)) else {
                    throw .parameter("kind", "'\(name)' is not one of calls, sms, voicemail, events")
                }
                kinds.insert(kind)
            }
            result.kinds = kinds
        }
        if let text = parameters.first("limit") {
            result.limit = try NumberListQuery.parseLimit(text, maximum: maximumLimit)
        }
        return result
    }
}

enum NumberHistoryJSON {
    /// One rendered entry with what it sorts by.
    struct Entry {
        var time: UnixSeconds
        var json: String
    }

    static func render(_ state: NumberState, _ query: NumberHistoryQuery) -> String {
        let entries = newestFirst(state.history, kinds: query.kinds).prefix(query.limit)
        var json = JSONObject()
        json.set("id", state.id)
        json.setRaw("history", "[" + entries.map(\.json).joined(separator: ",") + "]")
        return json.string
    }

    /// Every selected entry, newest first: each kind newest first, then a stable sort by time.
    static func newestFirst(_ history: NumberHistory, kinds: Set<NumberHistoryQuery.Kind>) -> [Entry] {
        var entries: [Entry] = []
        if kinds.contains(.events) { entries += history.events.reversed().map(event) }
        if kinds.contains(.calls) { entries += history.calls.reversed().map(call) }
        if kinds.contains(.sms) { entries += history.sms.reversed().map(sms) }
        if kinds.contains(.voicemail) { entries += history.voicemails.reversed().map(voicemail) }
        // Stable: indices break ties, so each kind keeps its own newest-first order.
        return entries.enumerated().sorted { a, b in
            a.element.time != b.element.time ? a.element.time > b.element.time : a.offset < b.offset
        }.map(\.element)
    }

    static func event(_ entry: EventHistoryEntry) -> Entry {
        var json = header("event", entry.eventID, entry.time)
        json.set("event", entry.kind)
        json.set("version", entry.version)
        json.set("sequence", entry.sequence)
        json.set("outcome", entry.outcome.ignoredReason == nil ? "applied" : "ignored")
        json.set("reason", entry.outcome.ignoredReason)
        return Entry(time: entry.time, json: json.string)
    }

    static func call(_ entry: CallHistoryEntry) -> Entry {
        var json = header("call", entry.cdrID, entry.time)
        json.set("duration_seconds", entry.durationSeconds)
        json.set("success", entry.success)
        json.set("from", entry.from)
        return Entry(time: entry.time, json: json.string)
    }

    static func sms(_ entry: SMSHistoryEntry) -> Entry {
        var json = header("sms", entry.uuid, entry.time)
        json.set("from", entry.from)
        json.set("to", entry.to)
        json.set("text", entry.text)
        return Entry(time: entry.time, json: json.string)
    }

    static func voicemail(_ entry: VoicemailHistoryEntry) -> Entry {
        var json = header("voicemail", entry.voicemailID, entry.time)
        json.set("from", entry.from)
        json.set("seconds", entry.seconds)
        json.set("recording_url", entry.recordingURL)
        return Entry(time: entry.time, json: json.string)
    }

    static func header(_ kind: String, _ id: String, _ time: UnixSeconds) -> JSONObject {
        var json = JSONObject()
        json.set("kind", kind)
        json.set("id", id)
        json.set("time", CivilDate.iso8601(time))
        return json
    }
}
