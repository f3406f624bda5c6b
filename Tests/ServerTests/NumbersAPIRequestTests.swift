import NumberActors
@testable import Server
import Testing

/// Request parsing and validation for the numbers API: every bad input is a 400 naming its field.
@Suite struct NumbersAPIRequestTests {
    static let valid = """
    {"id": "num_abc", "e164": "+14155550100", "customer": "cus_1", "didww": {"sku_id": "sku_1", "available_did_id": "ad_1"},
     "plan": {"included_call_seconds": 600, "included_sms": 50, "overage": "block"},
     "forward": {"email": "owner@example.com", "webhook_url": "https://hooks.example.com/n?x=1", "phone": "+442071838750"}}
    """

    func parse(_ text: String) throws(RequestError) -> NumberReservationRequest {
        try NumberReservationRequest.parse(Array(text.utf8))
    }

    @Test func aCompleteReservationParses() throws {
        let request = try parse(Self.valid)
        #expect(request.id == "num_abc")
        #expect(request.reservation == Reservation(
            e164: "+14155550100", customer: "cus_1", skuID: "sku_1", availableDIDID: "ad_1",
            plan: Plan(includedCallSeconds: 600, includedSMS: 50, overage: .block),
            forward: Forwarding(email: "owner@example.com", webhookURL: "https://hooks.example.com/n?x=1", phone: "+442071838750")))
    }

    @Test func optionalPartsMayBeAbsentOrNull() throws {
        let minimal = try parse(#"{"e164": "+4930123456", "customer": "c", "didww": {"sku_id": "s"}}"#)
        #expect(minimal.id == nil)
        #expect(minimal.reservation.plan == nil)
        #expect(minimal.reservation.forward == Forwarding())
        let nulls = try parse(#"{"id": null, "e164": "+4930123456", "customer": "c", "didww": {"sku_id": "s", "available_did_id": null}, "plan": null, "forward": null}"#)
        #expect(nulls == minimal)
    }

    /// (body, field named in the message)
    static let badBodies: [(String, String)] = [
        (#"{"e164": "14155550100", "customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"e164": "+1415", "customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"e164": "+0415555010000", "customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"e164": "+1415555010012345", "customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"e164": 14155550100, "customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"customer": "c", "didww": {"sku_id": "s"}}"#, "e164"),
        (#"{"e164": "+14155550100", "customer": "", "didww": {"sku_id": "s"}}"#, "customer"),
        (#"{"e164": "+14155550100", "customer": 7, "didww": {"sku_id": "s"}}"#, "customer"),
        (#"{"e164": "+14155550100", "didww": {"sku_id": "s"}}"#, "customer"),
        (#"{"e164": "+14155550100", "customer": "c"}"#, "didww"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": "sku"}"#, "didww"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {}}"#, "didww.sku_id"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s", "extra": 1}}"#, "didww.extra"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s", "available_did_id": 5}}"#, "didww.available_did_id"),
        (#"{"id": "abc", "e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}}"#, "id"),
        (#"{"id": "num_a/b", "e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}}"#, "id"),
        (#"{"id": 12, "e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}}"#, "id"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": {"included_call_seconds": -1, "included_sms": 0, "overage": "bill"}}"#, "plan.included_call_seconds"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": {"included_call_seconds": 1.5, "included_sms": 0, "overage": "bill"}}"#, "plan.included_call_seconds"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": {"included_call_seconds": 1, "included_sms": -3, "overage": "bill"}}"#, "plan.included_sms"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": {"included_call_seconds": 1, "overage": "bill"}}"#, "plan.included_sms"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": {"included_call_seconds": 1, "included_sms": 1, "overage": "free"}}"#, "plan.overage"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "plan": []}"#, "plan"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"email": "nobody"}}"#, "forward.email"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"email": "a@b"}}"#, "forward.email"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"webhook_url": "ftp://x.example"}}"#, "forward.webhook_url"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"webhook_url": "https://"}}"#, "forward.webhook_url"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"webhook_url": "https://a b.example"}}"#, "forward.webhook_url"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"webhook_url": "https://x.example:99999/"}}"#, "forward.webhook_url"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"phone": "12"}}"#, "forward.phone"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "forward": {"sms": "+14155550100"}}"#, "forward.sms"),
        (#"{"e164": "+14155550100", "customer": "c", "didww": {"sku_id": "s"}, "colour": "red"}"#, "colour"),
    ]

    @Test(arguments: badBodies)
    func badFieldsAreRefusedByName(body: String, field: String) {
        #expect(throws: RequestError.self) { try parse(body) }
        do {
            _ = try parse(body)
        } catch {
            #expect(error.field == field, "\(body): \(error.message)")
            #expect(error.message.hasPrefix(field + ":"), "\(error.message)")
            #expect(error.response.status == 400)
            #expect(String(decoding: error.response.body, as: UTF8.self).contains("\"invalid_payload\""))
        }
    }

    @Test(arguments: ["", "[]", "\"text\"", "{", "{\"e164\": }", "null"])
    func unreadableBodiesAreInvalidPayload(body: String) {
        do {
            _ = try parse(body)
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.code == "invalid_payload")
            #expect(error.field == nil)
        }
    }

    @Test func theSameReservationSpelledDifferentlyHasOneEventID() throws {
        let a = try parse(Self.valid)
        let reordered = """
        {"forward": {"phone": "+442071838750", "webhook_url": "https:\\/\\/hooks.example.com\\/n?x=1", "email": "owner@example.com"},
         "plan": {"overage": "block", "included_sms": 50, "included_call_seconds": 600},
         "didww": {"available_did_id": "ad_1", "sku_id": "sku_1"}, "customer": "cus_1", "e164": "+14155550100", "id": "num_abc"}
        """
        let b = try parse(reordered)
        #expect(a == b)
        let idA = APIEvents.reservationEventID(id: "num_abc", a.reservation)
        #expect(idA == APIEvents.reservationEventID(id: "num_abc", b.reservation))
        #expect(idA.hasPrefix("rsv_") && idA.count == 36)
        var changed = a.reservation
        changed.plan?.includedSMS = 51
        #expect(APIEvents.reservationEventID(id: "num_abc", changed) != idA)
        #expect(APIEvents.reservationEventID(id: "num_abd", a.reservation) != idA)
    }

    @Test func generatedIDsFollowTheFormat() {
        let ids = (0..<50).map { _ in APIEvents.newNumberID() }
        #expect(ids.allSatisfy(FieldRules.isNumberID))
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 20 })
    }

    // MARK: PATCH forwarding

    @Test func forwardingChangesKeepClearOrSet() throws {
        let change = try ForwardingRequest.parse(Array(#"{"email": null, "webhook_url": "http://127.0.0.1:9000/hook"}"#.utf8))
        #expect(change == ForwardingRequest(email: .clear, webhookURL: .set("http://127.0.0.1:9000/hook"), phone: .keep))
        let current = Forwarding(email: "a@b.example", webhookURL: nil, phone: "+14155550100")
        #expect(change.applied(to: current) == Forwarding(email: nil, webhookURL: "http://127.0.0.1:9000/hook", phone: "+14155550100"))
    }

    @Test(arguments: [(#"{}"#, nil), (#"{"email": 5}"#, "email"), (#"{"webhook_url": "mailto:x@y.z"}"#, "webhook_url"),
                      (#"{"phone": "+1 415"}"#, "phone"), (#"{"fax": "+14155550100"}"#, "fax")] as [(String, String?)])
    func badForwardingBodies(body: String, field: String?) {
        do {
            _ = try ForwardingRequest.parse(Array(body.utf8))
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.field == field, "\(error.message)")
            #expect(error.code == "invalid_payload")
        }
    }

    // MARK: Field rules

    @Test func fieldRules() {
        #expect(FieldRules.isE164("+14155550100"))
        #expect(FieldRules.isE164("+12345678"))
        #expect(!FieldRules.isE164("+1234567"))
        #expect(FieldRules.isE164("+123456789012345"))
        #expect(!FieldRules.isE164("+1234567890123456"))
        #expect(FieldRules.isEmail("x@mail.example.com"))
        #expect(!FieldRules.isEmail("x@@example.com"))
        #expect(!FieldRules.isEmail("x@example..com"))
        #expect(FieldRules.isWebhookURL("https://[::1]:8443/hook"))
        #expect(FieldRules.isWebhookURL("HTTP://example.com"))
        #expect(!FieldRules.isWebhookURL("https://user@example.com/"))
        #expect(!FieldRules.isWebhookURL("https://example.com/#frag"))
        #expect(!FieldRules.isWebhookURL("https://example.com:0/"))
        #expect(FieldRules.isNumberID("num_8Jq2"))
        #expect(!FieldRules.isNumberID("num_"))
        #expect(!FieldRules.isNumberID("num_" + String(repeating: "a", count: 61)))
    }

    // MARK: Stamps of API writes

    @Test func apiWritesSortAfterTheStampTheyReplace() {
        let now: UnixSeconds = 1_000
        // No stamp held, or an older one: the wall clock.
        #expect(APIEvents.time(for: "fwd_1", after: nil, now: now) == now)
        #expect(APIEvents.time(for: "fwd_1", after: EventStamp(time: 999, eventID: "zzz"), now: now) == now)
        // Same second, an id that sorts later: moved forward by one second.
        #expect(APIEvents.time(for: "fwd_1", after: EventStamp(time: now, eventID: "rsv_f"), now: now) == now + 1)
        // Held stamp ahead of the clock: same time when the id sorts after it, else one second later.
        #expect(APIEvents.time(for: "fwd_2", after: EventStamp(time: now + 1, eventID: "fwd_1"), now: now) == now + 1)
        #expect(APIEvents.time(for: "fwd_0", after: EventStamp(time: now + 1, eventID: "fwd_1"), now: now) == now + 2)
        let first = APIEvents.uniqueEventID(prefix: "fwd_", nanos: 5)
        let second = APIEvents.uniqueEventID(prefix: "fwd_", nanos: 6)
        #expect(first.utf8.lexicographicallyPrecedes(second.utf8))
        #expect(first.hasPrefix("fwd_00000000000000000005_"))
    }
}
