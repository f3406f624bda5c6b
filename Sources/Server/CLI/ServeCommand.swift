import NumberActors
import Snapshot

/// `numninja serve`: takes the data directory's lock, starts listening (webhooks answer 503 while the
/// state recovers), recovers, then serves until SIGTERM or SIGINT and exits 0 after a graceful stop.
enum ServeCommand {
    static let help = """
        usage: numninja serve [--data-dir DIR] [--listen HOST:PORT] [--FLAG VALUE ...]

        Takes DIR's lock, listens, recovers the state (snapshot + journal) and serves until SIGTERM or SIGINT
        (exit 0). Standard output gets one JSON line per step: {"event":"listening","address":...}, the
        recovery summary, {"event":"ready"}, and {"event":"stopped"} at the end.

        Every setting is an environment variable with a matching flag (flags win):
          --listen                    NUMNINJA_LISTEN                    127.0.0.1:8080 (port 0 picks a free one)
          --data-dir                  NUMNINJA_DATA_DIR                  data/state
          --env                       NUMNINJA_ENV                       development | production
          --stripe-webhook-secrets    NUMNINJA_STRIPE_WEBHOOK_SECRETS    comma-separated whsec_... secrets
          --stripe-tolerance-seconds  NUMNINJA_STRIPE_TOLERANCE_SECONDS  300 (0: no age check)
          --didww-callback-secrets    NUMNINJA_DIDWW_CALLBACK_SECRETS    comma-separated
          --public-url                NUMNINJA_PUBLIC_URL                http://127.0.0.1:8080 (the URL DIDWW calls)
          --inbound-token             NUMNINJA_INBOUND_TOKEN             comma-separated (SMS, CDR, voice)
          --api-token                 NUMNINJA_API_TOKEN                 comma-separated (numbers API, streams, admin)
          --fsync                     NUMNINJA_FSYNC                     always | never (benchmarks only)
          --snapshot-every            NUMNINJA_SNAPSHOT_EVERY            100000 journal records
          --max-body-bytes            NUMNINJA_MAX_BODY_BYTES            1048576
          --max-decompressed-bytes    NUMNINJA_MAX_DECOMPRESSED_BYTES    8388608
          --journal-segment-bytes     NUMNINJA_JOURNAL_SEGMENT_BYTES     67108864
          --header-timeout-seconds    NUMNINJA_HEADER_TIMEOUT_SECONDS    10
          --idle-timeout-seconds      NUMNINJA_IDLE_TIMEOUT_SECONDS      60
        In development, unset secrets and tokens are generated once into DIR/dev-secrets.json (mode 0600);
        production refuses to start while any is unset.
        """

    static func run(_ arguments: ArraySlice<String>) async throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: ServeSettings.flagNames)
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
        let settings = try ServeSettings(flags: args.values)
        let secrets = try ServiceSecrets.resolve(settings)
        let data = DataDirectory(settings.dataDirectory)
        let lock = try data.lock()
        announce(settings, secrets)

        let context = ServiceContext(settings: settings, secrets: secrets)
        let routes = Routes(context: context)
        let log = RequestLog(logger: context.logger, metrics: context.metrics)
        let immediate: HTTPServer.ImmediateHandler = { request, responder in
            guard request.path == "/api/webhooks/stripe" else { return false }
            log.respond(to: request, responder: responder) { request, done in
                if !routes.respondImmediately(to: request, done: done) { Task { done(await routes.respond(to: request)) } }
            }
            return true
        }
        let server = try HTTPServer(configuration: serverConfiguration(settings), immediate: immediate) { request in
            await log.respond(to: request) { await routes.respond(to: $0) }
        }
        context.boundPort(server.port)
        var listening = JSONObject()
        listening.set("event", "listening")
        listening.set("address", "\(settings.listenHost):\(server.port)")
        listening.set("data_dir", settings.dataDirectory)
        listening.set("public_url", context.publicURL)
        Output.standardOutput.line(listening.string)
        Output.standardOutput.flush()

        let signals = try ShutdownSignals.install { _ in
            context.beginStopping()
            Task { await server.shutdown() }
        }
        let engine: NumberEngine
        do {
            let options = engineOptions(settings, metrics: context.metrics, changes: context.changes)
            engine = try await Task.detached { try NumberEngine.open(data, lock: lock, options: options) }.value
        } catch {
            signals.cancel()
            await server.shutdown()
            lock.release()
            throw error
        }
        context.becomeReady(engine)
        RecoverCommand.reportTruncations(engine.recovery)
        Output.standardOutput.line(RecoverCommand.summaryJSON(engine.recovery))
        Output.standardOutput.line("{\"event\":\"ready\"}")
        Output.standardOutput.flush()

        await server.waitUntilStopped()
        signals.cancel()
        engine.close()
        context.logger.flush()
        Output.standardOutput.line("{\"event\":\"stopped\"}")
        Output.standardOutput.flush()
        return 0
    }

    static func serverConfiguration(_ settings: ServeSettings) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(host: settings.listenHost, port: settings.listenPort)
        configuration.headerTimeout = .seconds(settings.headerTimeoutSeconds)
        configuration.idleTimeout = .seconds(settings.idleTimeoutSeconds)
        configuration.limits.maxBodyBytes = settings.maxBodyBytes
        return configuration
    }

    /// The engine's settings, with the journal's batch figures going to `metrics` and every applied
    /// change to the live streams.
    static func engineOptions(_ settings: ServeSettings, metrics: Metrics, changes: NumberChangeFeed) -> EngineOptions {
        var options = EngineOptions()
        options.journal.durability = settings.durability
        options.journal.segmentBytes = settings.journalSegmentBytes
        options.snapshotEvery = settings.snapshotEvery
        options.journal.onBatch = { records, _, syncSeconds in metrics.journalBatch(records: records, syncSeconds: syncSeconds) }
        options.observer = changes.observer
        return options
    }

    /// Loud start-up notes on standard error: generated development secrets, and durability turned off.
    static func announce(_ settings: ServeSettings, _ secrets: ServiceSecrets) {
        let file = DevelopmentSecretsFile.path(directory: settings.dataDirectory)
        let values = [secrets.stripe, secrets.didww, secrets.inbound, secrets.api]
        for (index, key) in ServiceSecrets.fileKeys.enumerated() where secrets.generated.contains(key) {
            Output.standardError.line("development mode: generated \(key) \(values[index][0]) into \(file) (production sets every secret and token)")
        }
        if settings.durability == .never {
            Output.standardError.line("WARNING: NUMNINJA_FSYNC=never: acknowledged events can be lost on a crash (benchmarks only)")
        }
        Output.standardError.flush()
    }
}
