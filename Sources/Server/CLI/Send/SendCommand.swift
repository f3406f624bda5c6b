/// `numninja send stripe TYPE --number ID` and `numninja send didww order|sms|cdr|voicemail ...`: builds a
/// realistic provider request, signs it (or adds the inbound token) with the same secrets the server uses,
/// sends it to a running server and prints the answer. Exit 0 on a 2xx, 1 otherwise.
enum SendCommand {
    static let help = """
        usage: numninja send stripe TYPE --number ID [options]
               numninja send didww order --number ID --order ORDER_ID [--status completed|canceled] [--did-number DIGITS] [--method post|get]
               numninja send didww sms --to +E164 [--from +E164] [--text TEXT] [--uuid UUID]
               numninja send didww cdr --to +E164 [--from +E164] [--calls N] [--duration SECONDS]
               numninja send didww voicemail --to +E164 [--from +E164] [--seconds N]

        Sends one signed, realistic event to a running server, like `stripe trigger`, and prints the status
        and body. Secrets and tokens come from --secret/--token, else the server's environment variables
        (NUMNINJA_STRIPE_WEBHOOK_SECRETS, NUMNINJA_DIDWW_CALLBACK_SECRETS, NUMNINJA_INBOUND_TOKEN: the first item),
        else DIR/dev-secrets.json (development mode).

        common options:
          --url URL            server base URL (default NUMNINJA_PUBLIC_URL or http://127.0.0.1:8080)
          --data-dir DIR       where dev-secrets.json is (default NUMNINJA_DATA_DIR or data/state)
          --print              print the request body instead of sending it
        stripe options: --event-id, --created UNIX, --customer, --subscription, --payment-intent, --charge,
          --dispute, --status, --period-end UNIX. Types: \(StripeEventBuilder.types.joined(separator: ", ")).
        didww order: signed with --public-url (default: --url), which must be the server's NUMNINJA_PUBLIC_URL.
        """

    static let valueFlags: Set<String> = [
        "url", "data-dir", "secret", "token", "number", "event-id", "created", "customer", "subscription", "payment-intent",
        "charge", "dispute", "status", "period-end", "order", "did-number", "method", "public-url", "to", "from", "text",
        "uuid", "calls", "duration", "seconds",
    ]

    static func run(_ arguments: ArraySlice<String>) throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: valueFlags, switchFlags: ["print"])
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        guard let provider = args.positional.first else { throw UsageError("send needs a provider: stripe or didww (try --help)") }
        let request: SendRequest
        switch provider {
        case "stripe": request = try StripeSend.request(args)
        case "didww": request = try DIDWWSend.request(args)
        default: throw UsageError("unknown provider '\(provider)': stripe or didww")
        }
        if args.switches.contains("print") {
            Output.standardOutput.line(String(decoding: request.printable, as: UTF8.self))
            Output.standardOutput.flush()
            return 0
        }
        let base = try OneShotHTTPClient.parseBase(baseURL(args))
        let response = try OneShotHTTPClient.send(host: base.host, port: base.port, method: request.method,
                                                  target: base.prefix + request.target, headers: request.headers, body: request.body)
        Output.standardOutput.line("\(response.status) \(String(decoding: response.body, as: UTF8.self))")
        Output.standardOutput.flush()
        return (200..<300).contains(response.status) ? 0 : 1
    }

    static func baseURL(_ args: Arguments) -> String {
        args.values["url"] ?? ServeSettings.processEnvironment("NUMNINJA_PUBLIC_URL").flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
    }

    /// `--secret`, else the first item of the server's variable, else the development secrets file.
    static func secret(_ args: Arguments, flag: String, variable: String, fileKey: String) throws -> String {
        if let value = args.values[flag] { return value }
        if let value = ServeSettings.processEnvironment(variable), let first = value.split(separator: ",").first {
            return String(first)
        }
        let directory = args.values["data-dir"] ?? ServeSettings.processEnvironment("NUMNINJA_DATA_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "data/state"
        let stored = try DevelopmentSecretsFile.load(directory: directory)
        guard let value = stored[fileKey] else {
            throw UsageError("no \(fileKey): pass --\(flag), set \(variable), or start the server once in development mode so \(DevelopmentSecretsFile.path(directory: directory)) exists")
        }
        return value
    }

    static func integer(_ args: Arguments, _ flag: String) throws -> Int64? {
        guard let text = args.values[flag] else { return nil }
        guard let value = Int64(text) else { throw UsageError("--\(flag) must be an integer, got '\(text)'") }
        return value
    }
}

/// One request to send: method, target (path and query, before the base URL's prefix), headers, body.
struct SendRequest {
    var method: String
    var target: String
    var headers: [(String, String)]
    var body: [UInt8]
    /// What `--print` shows (the uncompressed body for a gzip CDR batch).
    var printable: [UInt8]
}

enum StripeSend {
    static func request(_ args: Arguments) throws -> SendRequest {
        guard args.positional.count >= 2 else { throw UsageError("send stripe needs an event type (try --help)") }
        let type = args.positional[1]
        guard StripeEventBuilder.types.contains(type) else {
            throw UsageError("unknown Stripe event type '\(type)'; one of: \(StripeEventBuilder.types.joined(separator: ", "))")
        }
        let number = try args.required("number")
        let now = StripeSignatureVerifier.currentUnixTime()
        var event = StripeEventBuilder(type: type, numberID: number, created: try SendCommand.integer(args, "created") ?? now,
                                       eventID: args.values["event-id"])
        if let value = args.values["customer"] { event.customer = value }
        if let value = args.values["subscription"] { event.subscription = value }
        if let value = args.values["payment-intent"] { event.paymentIntent = value }
        if let value = args.values["charge"] { event.charge = value }
        if let value = args.values["dispute"] { event.dispute = value }
        if let value = args.values["status"] { event.status = value }
        if let value = try SendCommand.integer(args, "period-end") { event.periodEnd = value }
        let body = event.render()!
        let secret = try SendCommand.secret(args, flag: "secret", variable: "NUMNINJA_STRIPE_WEBHOOK_SECRETS", fileKey: "stripe_webhook_secret")
        let header = StripeSignature.header(payload: body, secrets: [secret], timestamp: now)
        return SendRequest(method: "POST", target: "/api/webhooks/stripe",
                           headers: [("Content-Type", "application/json"), ("Stripe-Signature", header)], body: body, printable: body)
    }
}
