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
          --event-loops               NUMNINJA_EVENT_LOOPS               one per core (HTTP event-loop threads)
          --didww-api-url             NUMNINJA_DIDWW_API_URL             DIDWW API v3 (unset: built-in simulator)
          --didww-api-key             NUMNINJA_DIDWW_API_KEY             required with the URL
          --didww-trunk-id            NUMNINJA_DIDWW_TRUNK_ID            voice-in trunk for live DIDs
          --didww-sms-url             NUMNINJA_DIDWW_SMS_URL             DIDWW Outbound SMS API (unset: simulator)
          --didww-sms-user            NUMNINJA_DIDWW_SMS_USER            required with the URL
          --didww-sms-password        NUMNINJA_DIDWW_SMS_PASSWORD        required with the URL
          --stripe-api-url            NUMNINJA_STRIPE_API_URL            Stripe API (unset: simulator)
          --stripe-api-key            NUMNINJA_STRIPE_API_KEY            required with the URL
          --smtp-url                  NUMNINJA_SMTP_URL                  smtp://user:pass@host:port or smtps:// (unset: sink)
          --mail-from                 NUMNINJA_MAIL_FROM                 sender of customer email
          --effects                   NUMNINJA_EFFECTS                   run | pause (effects stay pending in the outboxes)
          --effect-max-attempts       NUMNINJA_EFFECT_MAX_ATTEMPTS       8 (then the effect fails for good)
          --reconcile-interval-seconds NUMNINJA_RECONCILE_INTERVAL_SECONDS 300 (DIDWW DID list, Stripe undelivered events)
        In development, unset secrets and tokens are generated once into DIR/dev-secrets.json (mode 0600);
        production refuses to start while any is unset. A provider without a URL is served by a built-in
        simulator on loopback, announced loudly at start; a configured provider is never simulated.
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
        let fulfilment = settings.effectsPaused ? nil : try Fulfilment.make(settings: settings, didwwCallbackSecret: secrets.didww[0],
                                             webhookSecrets: CustomerWebhookSecret(directory: settings.dataDirectory),
                                             metrics: context.metrics, logger: context.logger,
                                             publicURL: { context.publicURL })
        if let fulfilment {
            context.attach(fulfilment.workers)
            announceSimulators(fulfilment, settings)
        } else {
            Output.standardError.line("NUMNINJA_EFFECTS=pause: effects are kept in the outboxes and not carried out")
            Output.standardError.flush()
        }
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
            let options = engineOptions(settings, metrics: context.metrics, changes: context.changes,
                                        workers: fulfilment?.workers)
            engine = try await Task.detached { try NumberEngine.open(data, lock: lock, options: options) }.value
        } catch {
            signals.cancel()
            await server.shutdown()
            await fulfilment?.stop()
            lock.release()
            throw error
        }
        context.becomeReady(engine)
        RecoverCommand.reportTruncations(engine.recovery)
        Output.standardOutput.line(RecoverCommand.summaryJSON(engine.recovery))
        Output.standardOutput.line("{\"event\":\"ready\"}")
        Output.standardOutput.flush()
        let stripeEndpoint = context.stripe
        fulfilment?.start(engine: engine) { body in await stripeEndpoint.ingestFetched(body, context: context) }

        await server.waitUntilStopped()
        signals.cancel()
        await fulfilment?.stop()
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
        configuration.eventLoopCount = settings.eventLoops
        return configuration
    }

    /// The engine's settings, with the journal's batch figures going to `metrics` and every applied
    /// change to the live streams.
    static func engineOptions(_ settings: ServeSettings, metrics: Metrics, changes: NumberChangeFeed,
                              workers: EffectWorkers? = nil) -> EngineOptions {
        var options = EngineOptions()
        options.journal.durability = settings.durability
        options.journal.segmentBytes = settings.journalSegmentBytes
        options.snapshotEvery = settings.snapshotEvery
        options.journal.onBatch = { records, _, syncSeconds in metrics.journalBatch(records: records, syncSeconds: syncSeconds) }
        let feed = changes.observer
        if let effects = workers?.observer {
            options.observer = EngineObserver { state, emitted in
                feed.applied(state, emitted)
                effects.applied(state, emitted)
            }
        } else {
            options.observer = feed
        }
        return options
    }

    /// Which providers are simulated, loudly on standard error and as one JSON line on standard output
    /// (`{"event":"simulators","providers":[...]}`), so nobody mistakes a simulated purchase for a real one.
    static func announceSimulators(_ fulfilment: Fulfilment, _ settings: ServeSettings) {
        guard !fulfilment.simulatedNotice.isEmpty else { return }
        let banner = settings.mode == .production ? "WARNING: production with SIMULATED providers" : "SIMULATED providers"
        Output.standardError.line("\(banner) (nothing is bought, billed or sent for real):")
        for line in fulfilment.simulatedNotice { Output.standardError.line("  " + line) }
        Output.standardError.flush()
        var json = JSONObject()
        json.set("event", "simulators")
        json.setRaw("providers", "[" + fulfilment.simulatedNotice.map(JSONText.quote).joined(separator: ",") + "]")
        Output.standardOutput.line(json.string)
        Output.standardOutput.flush()
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
