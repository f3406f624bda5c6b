import Server

/// Secrets and tokens the harness gives the server, and where the server says DIDWW reaches it.
struct Credentials {
    static let stripeSecret = "whsec_crash_harness"
    static let didwwSecret = "didww_crash_harness"
    static let inboundToken = "inbound_crash_harness"
    static let apiToken = "api_crash_harness"

    static var environment: [String: String] {
        ["NUMNINJA_STRIPE_WEBHOOK_SECRETS": stripeSecret, "NUMNINJA_DIDWW_CALLBACK_SECRETS": didwwSecret,
         "NUMNINJA_INBOUND_TOKEN": inboundToken, "NUMNINJA_API_TOKEN": apiToken, "NUMNINJA_STRIPE_TOLERANCE_SECONDS": "0"]
    }

    static var bearer: (String, String) { ("Authorization", "Bearer \(apiToken)") }
}

/// Renders a delivery as the bytes of one signed HTTP request. Signed at send time: the DIDWW signature
/// covers the server's public URL, whose port changes on every restart.
enum RequestRenderer {
    static func render(_ delivery: Delivery, number: NumberIdentity, publicURL: String) -> [UInt8] {
        switch delivery.kind {
        case .reserve: return reserve(number)
        case .stripe(let type, let eventID, let created, let status, let periodEnd):
            return stripe(type, number: number, eventID: eventID, created: created, status: status, periodEnd: periodEnd)
        case .didwwOrder(let status): return didwwOrder(number, status: status, publicURL: publicURL)
        case .sms(let uuid, let time): return sms(number, uuid: uuid, time: time)
        case .cdr(let records): return cdr(number, records: records)
        case .voicemail(let id, let seconds, let time): return voicemail(number, id: id, seconds: seconds, time: time)
        }
    }

    static func reserve(_ number: NumberIdentity) -> [UInt8] {
        let body = #"{"id":"\#(number.id)","e164":"\#(number.e164)","customer":"\#(number.customer)","didww":{"sku_id":"sku_crash"},"#
            + #""plan":{"included_call_seconds":600,"included_sms":10,"overage":"bill"}}"#
        return HTTPClientConnection.request("POST", "/api/numbers", headers: [Credentials.bearer, ("Content-Type", "application/json")],
                                            body: Array(body.utf8))
    }

    static func stripe(_ type: String, number: NumberIdentity, eventID: String, created: Int64, status: String?, periodEnd: Int64?) -> [UInt8] {
        var builder = StripeEventBuilder(type: type, numberID: number.id, created: created, eventID: eventID)
        if let status { builder.status = status }
        if let periodEnd { builder.periodEnd = periodEnd }
        let body = builder.render() ?? []
        let header = StripeSignature.header(payload: body, secrets: [Credentials.stripeSecret], timestamp: StripeSignatureVerifier.currentUnixTime())
        return HTTPClientConnection.request("POST", "/api/webhooks/stripe",
                                            headers: [("Content-Type", "application/json"), ("Stripe-Signature", header)], body: body)
    }

    static func didwwOrder(_ number: NumberIdentity, status: String, publicURL: String) -> [UInt8] {
        let pairs = [("id", "ord_\(number.suffix)"), ("type", "orders"), ("status", status)]
        let form = pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let target = "/api/webhooks/didww?number=\(number.id)"
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let url = DIDWWSignature.callbackURL(publicBaseURL: base, requestTarget: target) ?? ""
        let signature = DIDWWSignature.signature(secret: Credentials.didwwSecret, url: url, pairs: pairs.map { DIDWWPair($0.0, $0.1) }) ?? ""
        return HTTPClientConnection.request("POST", target, headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                                                      ("X-DIDWW-Signature", signature)], body: Array(form.utf8))
    }

    static func sms(_ number: NumberIdentity, uuid: String, time: Int64) -> [UInt8] {
        let form = "uuid=\(uuid)&from=%2B447700900123&to=%2B\(number.e164.dropFirst())&text=crash+test&time=\(UTCText.iso8601(time))"
        return HTTPClientConnection.request("POST", "/api/webhooks/didww/sms", headers: [("Content-Type", "application/x-www-form-urlencoded"),
                                                                                     ("X-NumNinja-Token", Credentials.inboundToken)], body: Array(form.utf8))
    }

    static func cdr(_ number: NumberIdentity, records: [Delivery.CDRRecord]) -> [UInt8] {
        let did = String(number.e164.dropFirst())
        var lines = ""
        for record in records {
            let start = UTCText.cdr(record.time)
            let end = UTCText.cdr(record.time + Int64(record.seconds) + 5)
            lines += #"{"type":"inbound-cdr","id":"\#(record.id)","attributes":{"did_number":"\#(did)","src_number":"447700900123","#
                + #""time_start":"\#(start)","time_connect":null,"time_end":"\#(end)","duration":\#(record.seconds),"#
                + #""success":\#(record.success),"is_last_cdr":\#(record.last)}}"# + "\n"
        }
        return HTTPClientConnection.request("POST", "/api/webhooks/didww/cdr",
                                            headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                                                      ("X-NumNinja-Token", Credentials.inboundToken)],
                                            body: GzipBody.compress(Array(lines.utf8)))
    }

    static func voicemail(_ number: NumberIdentity, id: String, seconds: Int, time: Int64) -> [UInt8] {
        let body = #"{"type":"voicemail","id":"\#(id)","number":"\#(number.e164)","from":"+447700900123","seconds":\#(seconds),"#
            + #""recording_url":"https://voice.example.com/\#(id).wav","time":"\#(UTCText.iso8601(time))"}"#
        return HTTPClientConnection.request("POST", "/api/webhooks/voice",
                                            headers: [("Content-Type", "application/json"), ("X-NumNinja-Token", Credentials.inboundToken)],
                                            body: Array(body.utf8))
    }
}

/// UTC timestamps as text (civil-from-days), without Foundation's formatters.
enum UTCText {
    static func parts(_ seconds: Int64) -> (Int64, Int64, Int64, Int64, Int64, Int64) {
        let days = seconds / 86_400
        let rest = seconds % 86_400
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
    }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func iso8601(_ seconds: Int64) -> String {
        let (y, m, d, h, min, s) = parts(seconds)
        return "\(y)-\(two(m))-\(two(d))T\(two(h)):\(two(min)):\(two(s))Z"
    }

    /// DIDWW's CDR form: `YYYY-MM-DD HH:MM:SS.ffffff`.
    static func cdr(_ seconds: Int64) -> String {
        let (y, m, d, h, min, s) = parts(seconds)
        return "\(y)-\(two(m))-\(two(d)) \(two(h)):\(two(min)):\(two(s)).000000"
    }

    static func month(_ seconds: Int64) -> String {
        let (y, m, _, _, _, _) = parts(seconds)
        return "\(y)-\(two(m))"
    }
}
