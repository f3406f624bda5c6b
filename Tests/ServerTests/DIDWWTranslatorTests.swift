import Foundation
import NumberActors
import Server
import Testing

/// Order callbacks, inbound SMS and voicemail: field mapping, routing, dedupe keys and every bad input.
@Suite struct DIDWWTranslatorTests {
    static let now: UnixSeconds = 1_700_000_000

    // MARK: - Order callbacks

    func callback(_ pairs: [(String, String)], number: String? = "num_1") throws(DIDWWInputError) -> DIDWWTranslation {
        try DIDWWOrderCallbackTranslator().translate(pairs: pairs.map { DIDWWPair($0.0, $0.1) }, numberID: number, receivedAt: Self.now)
    }

    @Test func completedOrderRoutesByTheURLNumberAndTheOrder() throws {
        let translation = try callback([("id", "ord_1"), ("type", "orders"), ("status", "completed")])
        let expected = IncomingEvent(channel: "didww", numberID: "num_1", keys: [RouteKey(.didwwOrder, "ord_1")],
                                     source: EventSource(eventID: "ord_1:completed", objectID: "ord_1", time: Self.now),
                                     payload: .orderCompleted(orderID: "ord_1", didID: ""))
        #expect(translation == .event(expected))
    }

    @Test func didDetailsWhenTheSenderAddsThem() throws {
        let translation = try callback([("id", "ord_1"), ("type", "orders"), ("status", "completed"),
                                        ("did_id", "did_9"), ("did_number", "442071838750")], number: nil)
        guard case .event(let event) = translation else { Issue.record("not an event"); return }
        #expect(event.numberID == nil)
        #expect(event.keys == [RouteKey(.didwwOrder, "ord_1"), RouteKey(.e164, "442071838750")])
        #expect(event.payload == .orderCompleted(orderID: "ord_1", didID: "did_9"))
    }

    @Test(arguments: ["canceled", "cancelled"])
    func canceledOrder(status: String) throws {
        guard case .event(let event) = try callback([("id", "ord_2"), ("type", "orders"), ("status", status)]) else {
            Issue.record("not an event"); return
        }
        #expect(event.payload == .orderCanceled(orderID: "ord_2"))
        #expect(event.source.eventID == "ord_2:" + status)
    }

    @Test func statusesAndTypesThatChangeNothingAreIgnored() throws {
        #expect(try callback([("id", "o"), ("type", "orders"), ("status", "pending")]) == .ignored("order status pending"))
        #expect(try callback([("id", "o"), ("type", "orders"), ("status", "processing")]) == .ignored("order status processing"))
        #expect(try callback([("id", "e"), ("type", "exports"), ("status", "completed")]) == .ignored("callback type exports"))
    }

    @Test func badCallbacksSayWhichField() {
        #expect(throws: DIDWWInputError(.missingField("id"))) { try callback([("type", "orders"), ("status", "completed")]) }
        #expect(throws: DIDWWInputError(.missingField("status"))) { try callback([("id", "o"), ("type", "orders"), ("status", "")]) }
        #expect(throws: DIDWWInputError(.missingField("type"))) { try callback([("id", "o"), ("status", "completed")]) }
        #expect(throws: DIDWWInputError(.invalidField("did_number", expected: "an E.164 number"))) {
            try callback([("id", "o"), ("type", "orders"), ("status", "completed"), ("did_number", "n/a")])
        }
    }

    // MARK: - Inbound SMS

    func sms(body: String = "", contentType: String? = nil, query: String? = nil) throws(DIDWWInputError) -> IncomingEvent {
        try DIDWWSMSTranslator().translate(body: Array(body.utf8), contentType: contentType, query: query.map { Substring($0) },
                                           receivedAt: Self.now)
    }

    static let expectedSMS = IncomingEvent(
        channel: "sms", keys: [RouteKey(.e164, "442071838750")],
        source: EventSource(eventID: "sms-1", time: 1_572_533_418),
        payload: .smsReceived(InboundSMS(from: "+447700900123", to: "+442071838750", text: "Hi ☎ & +1")))

    @Test func smsByQueryFormAndJSONGiveTheSameEvent() throws {
        let base64 = "SGkg4piOICYgKzE="  // "Hi ☎ & +1"
        let query = "uuid=sms-1&from=%2B447700900123&to=%2B442071838750&text_base64=\(base64)&time=Thu%2C+31+Oct+2019+14%3A50%3A18+GMT&token=t"
        #expect(try sms(query: query) == Self.expectedSMS)
        // A form whose template left a `+` unescaped: the routed number and the Base64 still read right.
        let form = "uuid=sms-1&from=%2B447700900123&to=+442071838750&text_base64=SGkg4piOICYgKzE=&time=2019-10-31+14:50:18"
        #expect(try sms(body: form, contentType: "application/x-www-form-urlencoded") == Self.expectedSMS)
        let json = #"{"uuid":"sms-1","from":"%2B447700900123","to":"+44 20 7183 8750","text":"Hi ☎ & +1","time":"Thu, 31 Oct 2019 14:50:18 GMT","extra":{"a":1}}"#
        #expect(try sms(body: json, contentType: "application/json") == Self.expectedSMS)
        #expect(try sms(body: json) == Self.expectedSMS)  // JSON recognized without a Content-Type
    }

    @Test func smsBodyWinsOverQueryAndTimeDefaultsToReceipt() throws {
        let event = try sms(body: "text=body&uuid=u2", contentType: "application/x-www-form-urlencoded",
                            query: "uuid=u1&from=Alpha&to=442071838750&text=query")
        #expect(event.source == EventSource(eventID: "u2", time: Self.now))
        #expect(event.payload == .smsReceived(InboundSMS(from: "Alpha", to: "+442071838750", text: "body")))
        // An empty text is a valid SMS; text_base64 wins over text.
        #expect(try sms(query: "uuid=u&from=a&to=1234&text=").payload == .smsReceived(InboundSMS(from: "a", to: "+1234", text: "")))
        #expect(try sms(query: "uuid=u&from=a&to=1234&text=x&text_base64=eQ==").payload
            == .smsReceived(InboundSMS(from: "a", to: "+1234", text: "y")))
        // Bytes that are not UTF-8 are kept with replacement characters.
        #expect(try sms(query: "uuid=u&from=a&to=1234&text_base64=/w==").payload
            == .smsReceived(InboundSMS(from: "a", to: "+1234", text: "\u{FFFD}")))
    }

    @Test func badSMSSaysWhichField() {
        let full = "uuid=u&from=a&to=1234&text=x"
        #expect(throws: DIDWWInputError(.missingField("uuid"))) { try sms(query: "from=a&to=1234&text=x") }
        #expect(throws: DIDWWInputError(.missingField("from"))) { try sms(query: "uuid=u&from=+&to=1234&text=x") }
        #expect(throws: DIDWWInputError(.missingField("to"))) { try sms(query: "uuid=u&from=a&text=x") }
        #expect(throws: DIDWWInputError(.invalidField("to", expected: "an E.164 number"))) { try sms(query: "uuid=u&from=a&to=me&text=x") }
        #expect(throws: DIDWWInputError(.missingField("text or text_base64"))) { try sms(query: "uuid=u&from=a&to=1234") }
        #expect(throws: DIDWWInputError(.invalidField("text_base64", expected: "Base64"))) {
            try sms(query: "uuid=u&from=a&to=1234&text_base64=%21%21")
        }
        #expect(throws: DIDWWInputError(.invalidField("time", expected: "an RFC 1123 or ISO 8601 time, or Unix seconds"))) {
            try sms(query: full + "&time=soon")
        }
        #expect(throws: DIDWWInputError(.notAnObject)) { try sms(body: "[1]", contentType: "application/json") }
        #expect(throws: DIDWWInputError(.invalidField("uuid", expected: "a string"))) { try sms(body: #"{"uuid":{}}"#) }
        #expect(throws: DIDWWInputError.self) { try sms(body: "{\"uuid\":", contentType: "application/json") }
        #expect(throws: DIDWWInputError.self) { try sms(body: "--x\r\n", contentType: "multipart/form-data; boundary=x") }
        #expect(throws: DIDWWInputError(.missingField("uuid"))) { try sms() }
    }

    // MARK: - Voicemail

    func voice(_ json: String) throws(DIDWWInputError) -> DIDWWTranslation {
        try VoiceEventTranslator().translate(Array(json.utf8), receivedAt: Self.now)
    }

    static let voicemail = #"{"type":"voicemail","id":"vm_1","number":"+442071838750","from":"+447700900123","seconds":42,"recording_url":"https://rec.example/vm_1.wav","time":"2019-10-31T14:50:18Z"}"#

    @Test func voicemailRoutesByNumber() throws {
        let expected = IncomingEvent(channel: "voice", keys: [RouteKey(.e164, "442071838750")],
                                     source: EventSource(eventID: "vm_1", time: 1_572_533_418),
                                     payload: .voicemailLeft(Voicemail(from: "+447700900123", seconds: 42,
                                                                       recordingURL: "https://rec.example/vm_1.wav")))
        #expect(try voice(Self.voicemail) == .event(expected))
        let unixTime = Self.voicemail.replacingOccurrences(of: #""2019-10-31T14:50:18Z""#, with: "1572533418")
        #expect(try voice(unixTime) == .event(expected))
        let noTime = Self.voicemail.replacingOccurrences(of: #","time":"2019-10-31T14:50:18Z""#, with: "")
        guard case .event(let event) = try voice(noTime) else { Issue.record("not an event"); return }
        #expect(event.source.time == Self.now)
        #expect(try voice(#"{"type":"call_started","id":"c"}"#) == .ignored("voice event type call_started"))
    }

    @Test func badVoicemailSaysWhichField() {
        func without(_ field: String) -> String {
            Self.voicemail.replacingOccurrences(of: "\"\(field)\":", with: "\"x_\(field)\":")
        }
        for field in ["type", "id", "number", "from", "seconds", "recording_url"] {
            #expect(throws: DIDWWInputError(.missingField(field))) { try voice(without(field)) }
        }
        #expect(throws: DIDWWInputError(.invalidField("seconds", expected: "a whole number of seconds, 0 or more"))) {
            try voice(Self.voicemail.replacingOccurrences(of: "\"seconds\":42", with: "\"seconds\":-1"))
        }
        #expect(throws: DIDWWInputError(.invalidField("number", expected: "an E.164 number"))) {
            try voice(Self.voicemail.replacingOccurrences(of: "+442071838750", with: "office"))
        }
        #expect(throws: DIDWWInputError.self) { try voice(Self.voicemail.replacingOccurrences(of: "2019-10-31T", with: "")) }
        #expect(throws: DIDWWInputError(.notAnObject)) { try voice("\"voicemail\"") }
        #expect(throws: DIDWWInputError.self) { try voice("") }
    }
}
