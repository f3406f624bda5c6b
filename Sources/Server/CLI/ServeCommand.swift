#if canImport(Glibc)
import Glibc
#endif
import NumberActors
import Snapshot

/// `numninja serve`: recovers the data directory (lock, journal, newest valid snapshot, replay), then
/// serves HTTP until SIGTERM or SIGINT. This version answers the operations endpoints `/healthz` and
/// `/readyz`; every other path is 404 (the webhook and numbers endpoints are not wired yet).
enum ServeCommand {
    static let help = """
        usage: numninja serve [--data-dir DIR] [--listen HOST:PORT]

        Takes the data directory's lock and recovers it, prints the recovery summary and then one JSON
        line {"event":"listening","address":...}, and serves until SIGTERM or SIGINT (exit 0).
        Endpoints in this version: GET /healthz, GET /readyz, POST /api/webhooks/stripe. Other paths answer 404.
        Environment (flags win): NUMNINJA_DATA_DIR (data/state), NUMNINJA_LISTEN (127.0.0.1:8080; port 0
        picks a free one), NUMNINJA_HEADER_TIMEOUT_SECONDS (10), NUMNINJA_IDLE_TIMEOUT_SECONDS (60),
        NUMNINJA_MAX_BODY_BYTES (1048576), NUMNINJA_STRIPE_WEBHOOK_SECRETS (comma-separated; in development a
        secret is generated into DIR/dev-secrets.json), NUMNINJA_STRIPE_TOLERANCE_SECONDS (300; 0 turns the age
        check off), NUMNINJA_ENV (development; production refuses to start without the secrets).
        """

    static func run(_ arguments: ArraySlice<String>) async throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: ["data-dir", "listen"])
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
        let listen = args.values["listen"] ?? environment("NUMNINJA_LISTEN") ?? "127.0.0.1:8080"
        guard let address = HTTPServerConfiguration.parseListenAddress(listen) else {
            throw UsageError("--listen must be HOST:PORT (IPv4), got '\(listen)'")
        }
        var configuration = HTTPServerConfiguration(host: address.host, port: address.port)
        configuration.headerTimeout = .seconds(try positiveInteger("NUMNINJA_HEADER_TIMEOUT_SECONDS", default: 10))
        configuration.idleTimeout = .seconds(try positiveInteger("NUMNINJA_IDLE_TIMEOUT_SECONDS", default: 60))
        configuration.limits.maxBodyBytes = try positiveInteger("NUMNINJA_MAX_BODY_BYTES", default: 1_048_576)

        let path = args.values["data-dir"] ?? environment("NUMNINJA_DATA_DIR") ?? "data/state"
        let tolerance = try nonNegativeInteger("NUMNINJA_STRIPE_TOLERANCE_SECONDS", default: 300)
        let engine = try NumberEngine.open(DataDirectory(path))
        let stripeSecrets: (secrets: [String], generated: Bool)
        do {
            stripeSecrets = try WebhookSecrets.stripe(dataDirectory: path)
        } catch {
            engine.close()
            throw error
        }
        if stripeSecrets.generated {
            Output.standardError.line("development mode: generated a Stripe webhook secret in \(path)/dev-secrets.json (set NUMNINJA_STRIPE_WEBHOOK_SECRETS in production)")
            Output.standardError.flush()
        }
        let routes = Routes(engine: engine, stripe: StripeWebhookEndpoint(verifier: StripeSignatureVerifier(secrets: stripeSecrets.secrets, tolerance: Int64(tolerance))))
        RecoverCommand.reportTruncations(engine.recovery)
        Output.standardOutput.line(RecoverCommand.summaryJSON(engine.recovery))
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration) { request in await routes.respond(to: request) }
        } catch {
            engine.close()
            throw error
        }
        var listening = JSONObject()
        listening.set("event", "listening")
        listening.set("address", "\(address.host):\(server.port)")
        listening.set("data_dir", path)
        listening.set("endpoints", "GET /healthz, GET /readyz, POST /api/webhooks/stripe (other webhook and numbers endpoints are not available in this version)")
        Output.standardOutput.line(listening.string)
        Output.standardOutput.flush()

        let signals = try ShutdownSignals.install { _ in Task { await server.shutdown() } }
        await server.waitUntilStopped()
        signals.cancel()
        engine.close()
        var stopped = JSONObject()
        stopped.set("event", "stopped")
        Output.standardOutput.line(stopped.string)
        Output.standardOutput.flush()
        return 0
    }

    static func nonNegativeInteger(_ name: String, default value: Int) throws -> Int {
        guard let text = environment(name) else { return value }
        guard let parsed = Int(text), parsed >= 0 else { throw UsageError("\(name) must be a non-negative integer, got '\(text)'") }
        return parsed
    }

    static func positiveInteger(_ name: String, default value: Int) throws -> Int {
        guard let text = environment(name) else { return value }
        guard let parsed = Int(text), parsed > 0 else { throw UsageError("\(name) must be a positive integer, got '\(text)'") }
        return parsed
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// The endpoints served so far: operations and the Stripe webhook. Unknown paths 404, wrong methods 405.
struct Routes: Sendable {
    let engine: NumberEngine
    let stripe: StripeWebhookEndpoint

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        switch request.path {
        case "/healthz":
            guard request.method == "GET" else { return Self.methodNotAllowed() }
            return .json(status: 200, "{\"status\": \"ok\"}")
        case "/readyz":
            guard request.method == "GET" else { return Self.methodNotAllowed() }
            if let failure = engine.failure {
                return .error(status: 503, code: "unavailable", message: "The journal has failed (\(failure)); restart to recover.")
            }
            return .json(status: 200, "{\"ready\": true}")
        case "/api/webhooks/stripe":
            guard request.method == "POST" else { return Self.methodNotAllowed() }
            return await stripe.respond(to: request, engine: engine)
        default:
            return .error(status: 404, code: "not_found", message: "No such endpoint.")
        }
    }

    static func methodNotAllowed() -> HTTPResponse {
        .error(status: 405, code: "method_not_allowed", message: "This endpoint does not accept that method.")
    }
}
