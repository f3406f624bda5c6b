import Foundation
import NumberActors
import Server
import Testing

/// CDR streaming bodies: record mapping, multi-leg calls, unsuccessful calls, unreadable lines and bad bodies.
@Suite struct DIDWWCDRTranslatorTests {
    /// One Voice IN record as DIDWW streams it (a subset of its many attributes).
    static func record(id: String = "3d6af8ac-5ed1-11ea-bc9d-005056845b1e", did: String = "\"442071838750\"",
                       duration: String = "9", success: String = "true", isLast: String? = "true",
                       timeStart: String = "\"2019-10-31 14:50:18.930234\"", src: String = "\"447700900123\"",
                       type: String = "inbound-cdr") -> String {
        let last = isLast.map { ",\"is_last_cdr\":\($0)" } ?? ""
        return #"{"type":"\#(type)","id":"\#(id)","attributes":{"sub_customer_tf_connection_fee":0,"local_tag":"10-0433","did_number":\#(did),"src_number":\#(src),"time_start":\#(timeStart),"time_connect":null,"time_end":"2019-10-31 14:50:27.946403","duration":\#(duration),"success":\#(success)\#(last),"internal_disconnect_reason":"Bye"}}"#
    }

    func batch(_ lines: [String], separator: String = "\n") throws(DIDWWInputError) -> DIDWWCDRBatch {
        try DIDWWCDRTranslator().translate(Array(lines.joined(separator: separator).utf8))
    }

    @Test func recordMapsToACallRoutedByTheDID() throws {
        let result = try batch([Self.record()])
        let expected = IncomingEvent(channel: "cdr", keys: [RouteKey(.e164, "442071838750")],
                                     source: EventSource(eventID: "3d6af8ac-5ed1-11ea-bc9d-005056845b1e", time: 1_572_533_418),
                                     payload: .callRecorded(CallRecord(durationSeconds: 9, success: true, isLastCDR: true,
                                                                       from: "447700900123")))
        #expect(result == DIDWWCDRBatch(records: 1, events: [expected]))
    }

    @Test func multiLegCallsUnsuccessfulCallsAndOptionalFields() throws {
        let lines = [
            Self.record(id: "leg-1", duration: "30", isLast: "false"),
            Self.record(id: "leg-2", duration: "12", isLast: "true"),
            Self.record(id: "missed", duration: "0", success: "false", isLast: nil, src: "\"\""),
            Self.record(id: "null-duration", duration: "null", success: "false", isLast: "null", src: "null"),
            Self.record(id: "fraction", did: "442071838750", duration: "4.2", timeStart: "\"2019-10-31T14:50:18+00:00\""),
        ]
        let result = try batch(lines, separator: "\r\n")
        #expect(result.records == 5 && result.unreadable.isEmpty && result.ignored == 0)
        let calls = result.events.map { event -> CallRecord? in
            if case .callRecorded(let call) = event.payload { return call }
            return nil
        }
        #expect(calls == [
            CallRecord(durationSeconds: 30, success: true, isLastCDR: false, from: "447700900123"),
            CallRecord(durationSeconds: 12, success: true, isLastCDR: true, from: "447700900123"),
            CallRecord(durationSeconds: 0, success: false, isLastCDR: nil, from: nil),
            CallRecord(durationSeconds: 0, success: false, isLastCDR: nil, from: nil),
            CallRecord(durationSeconds: 5, success: true, isLastCDR: true, from: "447700900123"),
        ])
        #expect(result.events.map(\.source.eventID) == ["leg-1", "leg-2", "missed", "null-duration", "fraction"])
        #expect(result.events.allSatisfy { $0.keys == [RouteKey(.e164, "442071838750")] && $0.source.time == 1_572_533_418 })
    }

    @Test func blankLinesAreSkippedAndOtherTypesIgnored() throws {
        let result = try batch(["", Self.record(id: "a"), "   ", Self.record(id: "b", type: "outbound-cdr"), ""])
        #expect(result.records == 2 && result.events.map(\.source.eventID) == ["a"] && result.ignored == 1)
    }

    @Test func eachUnreadableRecordIsReportedAloneWithItsLine() throws {
        let lines = [
            Self.record(id: "good"),
            "{\"type\":\"inbound-cdr\",\"id\":",  // truncated JSON
            Self.record(id: "no-did", did: "null"),
            Self.record(id: "bad-did", did: "\"anonymous\""),
            Self.record(id: "bad-time", timeStart: "\"yesterday\""),
            Self.record(id: "bad-success", success: "\"yes\""),
            Self.record(id: "negative", duration: "-3"),
            Self.record(id: "null-success-duration", duration: "null"),
            Self.record(id: "bad-last", isLast: "1"),
            Self.record(id: ""),
            "[1,2]",
            #"{"type":"inbound-cdr","id":"x"}"#,
        ]
        let result = try batch(lines)
        #expect(result.records == 12)
        #expect(result.events.map(\.source.eventID) == ["good"])
        #expect(result.unreadable.map(\.line) == Array(2...12))
        let reasons = result.unreadable.map(\.error.reason)
        #expect(reasons[1] == .missingField("attributes.did_number"))
        #expect(reasons[2] == .invalidField("attributes.did_number", expected: "an E.164 number"))
        #expect(reasons[3] == .invalidField("attributes.time_start", expected: "a date and time"))
        #expect(reasons[4] == .invalidField("attributes.success", expected: "true or false"))
        #expect(reasons[5] == .invalidField("attributes.duration", expected: "a number of seconds, 0 or more"))
        #expect(reasons[6] == .invalidField("attributes.duration", expected: "a number of seconds, 0 or more"))
        #expect(reasons[7] == .invalidField("attributes.is_last_cdr", expected: "true, false or null"))
        #expect(reasons[8] == .missingField("id"))
        #expect(reasons[9] == .notAnObject)
        #expect(reasons[10] == .missingField("attributes"))
        #expect(result.unreadable[0].excerpt == "{\"type\":\"inbound-cdr\",\"id\":")
        #expect(result.unreadable.allSatisfy { $0.excerpt.utf8.count <= 200 })
    }

    @Test func bodiesThatAreNotCDRStreamsAreRefusedWhole() throws {
        #expect(throws: DIDWWInputError(.noRecords("the body has no CDR records"))) { try batch(["", " ", ""]) }
        #expect(throws: DIDWWInputError.self) { try batch(["not json", "<html>"]) }
        let tooMany = Array(repeating: Self.record(), count: 1001)
        #expect(throws: DIDWWInputError(.tooManyRecords(count: 1001, limit: 1000))) { try batch(tooMany) }
        #expect(try batch(Array(repeating: Self.record(), count: 1000)).events.count == 1000)
    }
}
