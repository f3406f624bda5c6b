/// The DIDWW side of `numninja send`: a signed order callback, an inbound SMS from an HTTP-IN trunk, a gzip
/// CDR batch as CDR streaming sends it, and a voicemail from the operator's voice platform.
enum DIDWWSend {
    static func request(_ args: Arguments) throws -> SendRequest {
        guard args.positional.count >= 2 else { throw UsageError("send didww needs a kind: order, sms, cdr or voicemail") }
        let now = StripeSignatureVerifier.currentUnixTime()
        switch args.positional[1] {
        case "order": return try order(args)
        case "sms": return try sms(args, now: now)
        case "cdr": return try cdr(args, now: now)
        case "voicemail": return try voicemail(args, now: now)
        default: throw UsageError("unknown DIDWW kind '\(args.positional[1])': order, sms, cdr or voicemail")
        }
    }

    static func order(_ args: Arguments) throws -> SendRequest {
        let number = try args.required("number")
        let order = try args.required("order")
        let status = args.values["status"] ?? "completed"
        guard status == "completed" || status == "canceled" else { throw UsageError("--status must be completed or canceled, got '\(status)'") }
        let method = (args.values["method"] ?? "post").lowercased()
        guard method == "post" || method == "get" else { throw UsageError("--method must be post or get, got '\(method)'") }
        var pairs = [("id", order), ("type", "orders"), ("status", status)]
        if let did = args.values["did-number"] { pairs.append(("did_number", did)) }
        let form = pairs.map { formEscape($0.0) + "=" + formEscape($0.1) }.joined(separator: "&")
        let target = method == "get" ? "/api/webhooks/didww?number=\(formEscape(number))&\(form)"
                                     : "/api/webhooks/didww?number=\(formEscape(number))"
        let secret = try SendCommand.secret(args, flag: "secret", variable: "NUMNINJA_DIDWW_CALLBACK_SECRETS", fileKey: "didww_callback_secret")
        let publicURL = args.values["public-url"] ?? SendCommand.baseURL(args)
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        guard let url = DIDWWSignature.callbackURL(publicBaseURL: base, requestTarget: target),
              let signature = DIDWWSignature.signature(secret: secret, url: url, pairs: pairs.map { DIDWWPair($0.0, $0.1) }) else {
            throw UsageError("cannot build the callback URL from '\(base)'")
        }
        var headers = [("X-DIDWW-Signature", signature)]
        let body = method == "post" ? Array(form.utf8) : []
        if method == "post" { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        return SendRequest(method: method.uppercased(), target: target, headers: headers, body: body, printable: Array((url + " " + form).utf8))
    }

    static func sms(_ args: Arguments, now: Int64) throws -> SendRequest {
        let to = try args.required("to")
        let pairs = [("uuid", args.values["uuid"] ?? randomUUID()), ("from", args.values["from"] ?? "+14155550123"), ("to", to),
                     ("text", args.values["text"] ?? "Hello from numninja send"), ("time", CivilTime.iso8601(now))]
        let form = pairs.map { formEscape($0.0) + "=" + formEscape($0.1) }.joined(separator: "&")
        let token = try SendCommand.secret(args, flag: "token", variable: "NUMNINJA_INBOUND_TOKEN", fileKey: "inbound_token")
        return SendRequest(method: "POST", target: "/api/webhooks/didww/sms",
                           headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-NumNinja-Token", token)],
                           body: Array(form.utf8), printable: Array(form.utf8))
    }

    static func cdr(_ args: Arguments, now: Int64) throws -> SendRequest {
        let to = try args.required("to")
        let calls = try SendCommand.integer(args, "calls") ?? 1
        let duration = try SendCommand.integer(args, "duration") ?? 60
        guard (1...1000).contains(calls) else { throw UsageError("--calls must be 1...1000") }
        guard duration >= 0 else { throw UsageError("--duration must be >= 0") }
        var lines: [String] = []
        for index in 0..<calls {
            let start = now - duration - 5 - index
            var attributes = JSONObject()
            attributes.set("did_number", String(to.filter(\.isNumber)))
            attributes.set("src_number", String((args.values["from"] ?? "+14155550123").filter(\.isNumber)))
            attributes.set("time_start", CivilTime.iso8601(start))
            attributes.set("time_connect", CivilTime.iso8601(start + 5))
            attributes.set("time_end", CivilTime.iso8601(start + 5 + duration))
            attributes.set("duration", duration)
            attributes.set("success", true)
            attributes.set("is_last_cdr", true)
            var record = JSONObject()
            record.set("type", "inbound-cdr")
            record.set("id", randomUUID())
            record.setRaw("attributes", attributes.string)
            lines.append(record.string)
        }
        let text = Array((lines.joined(separator: "\n") + "\n").utf8)
        let token = try SendCommand.secret(args, flag: "token", variable: "NUMNINJA_INBOUND_TOKEN", fileKey: "inbound_token")
        return SendRequest(method: "POST", target: "/api/webhooks/didww/cdr",
                           headers: [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("X-NumNinja-Token", token)],
                           body: GzipBody.compress(text), printable: text)
    }

    static func voicemail(_ args: Arguments, now: Int64) throws -> SendRequest {
        let to = try args.required("to")
        var json = JSONObject()
        json.set("type", "voicemail")
        json.set("id", "vm_" + randomUUID())
        json.set("number", to)
        json.set("from", args.values["from"] ?? "+14155550123")
        json.set("seconds", try SendCommand.integer(args, "seconds") ?? 20)
        json.set("recording_url", "https://voice.example.com/recordings/\(randomUUID()).wav")
        json.set("time", CivilTime.iso8601(now))
        let token = try SendCommand.secret(args, flag: "token", variable: "NUMNINJA_INBOUND_TOKEN", fileKey: "inbound_token")
        let body = Array(json.string.utf8)
        return SendRequest(method: "POST", target: "/api/webhooks/voice",
                           headers: [("Content-Type", "application/json"), ("X-NumNinja-Token", token)], body: body, printable: body)
    }

    /// `application/x-www-form-urlencoded`: unreserved bytes as is, space as `+`, the rest `%XX`.
    static func formEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "*"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func randomUUID() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = DevelopmentSecretsFile.hex(bytes)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}

/// UTC timestamps as text without Foundation.
enum CivilTime {
    static func iso8601(_ seconds: Int64) -> String {
        let full = JSONText.timestamp(nanos: seconds * 1_000_000_000)
        return String(full.dropLast(5)) + "Z"  // whole seconds: "2026-12-03T15:20:00Z"
    }
}
