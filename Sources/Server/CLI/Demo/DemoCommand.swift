import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `numninja demo`: starts the provider simulators and `numninja serve` (this same binary) on free loopback
/// ports with a temporary data directory, runs the whole story of one number through them, prints a timeline,
/// and stops the server with SIGTERM (it must exit 0). Exit 0 only if every step happened.
enum DemoCommand {
    static let help = """
        usage: numninja demo [--keep]

        Runs the whole story end to end against the built-in provider simulators: reserve → checkout paid →
        order placed → DIDWW callback → active → inbound call counted → SMS forwarded by email and webhook →
        invoice.payment_failed → suspended + notified → invoice.paid → active → over-plan usage billed →
        subscription deleted → DID released. The server runs on a free loopback port with a temporary data
        directory (a running server is never disturbed). Prints one line per step with the time since the
        start and since the previous step; exits 0 only if every step happened, 1 otherwise.

          --keep    keep the temporary data directory and the server's log (their path is printed)
        """

    static func run(_ arguments: ArraySlice<String>) async throws -> Int32 {
        let args = try Arguments(arguments, valueFlags: [], switchFlags: ["keep"])
        if args.wantsHelp {
            Output.standardOutput.line(help)
            Output.standardOutput.flush()
            return 0
        }
        if let extra = args.positional.first { throw UsageError("unexpected argument '\(extra)'") }
        let keep = args.switches.contains("keep")
        let directory = try temporaryDirectory()
        let ok: Bool = await BlockingCall.run(name: "nn-demo") { () -> Bool in
            runStory(directory: directory)
        }
        if keep {
            say("kept \(directory) (data/ and serve.log)")
        } else {
            removeTree(directory)
        }
        return ok ? 0 : 1
    }

    /// Everything on one plain thread: the story blocks on sockets and polls, never on the cooperative pool
    /// that the simulators' handlers run on.
    static func runStory(directory: String) -> Bool {
        let secrets = (stripe: "whsec_demo_" + hex(16), didww: "demo_didww_" + hex(16), inbound: "demo_inbound_" + hex(16),
                       api: "demo_api_" + hex(16))
        let simulators: ProviderSimulators
        do {
            simulators = try ProviderSimulators(didwwCallbackSecret: secrets.didww, didwwCallbackDelay: .milliseconds(100))
        } catch {
            say("demo: cannot start the provider simulators: \(error)")
            return false
        }
        defer { blockingShutdown(simulators) }
        simulators.didww.registerAvailableDID(id: "adid_demo", number: "14155550188")
        let log = directory + "/serve.log"
        var environment: [(String, String)] = simulators.environment.map { ($0.name, $0.value) }
        environment += [("NUMNINJA_ENV", "development"), ("NUMNINJA_STRIPE_WEBHOOK_SECRETS", secrets.stripe),
                        ("NUMNINJA_DIDWW_CALLBACK_SECRETS", secrets.didww), ("NUMNINJA_INBOUND_TOKEN", secrets.inbound),
                        ("NUMNINJA_API_TOKEN", secrets.api), ("NUMNINJA_DIDWW_TRUNK_ID", "demo-voice-trunk"),
                        ("NUMNINJA_MAIL_FROM", "NumNinja demo <demo@numninja.invalid>"), ("NUMNINJA_FSYNC", "always"),
                        ("NUMNINJA_EFFECTS", "run"), ("NUMNINJA_PUBLIC_URL", "")]
        let server: ChildProcess
        do {
            server = try ChildProcess(executable: try ChildProcess.currentExecutable(),
                                      arguments: ["serve", "--data-dir", directory + "/data", "--listen", "127.0.0.1:0"],
                                      environment: environment, standardErrorPath: log)
        } catch {
            say("demo: \(error)")
            return false
        }
        let startedAt = MonotonicClock.now()
        guard let port = waitReady(server) else {
            say("demo: the server did not get ready within 60 s (log: \(log))")
            server.stop(signal: SIGKILL)
            return false
        }
        say("numninja demo: server on 127.0.0.1:\(port) (ready after \((MonotonicClock.now() - startedAt) / 1_000_000) ms), data in \(directory)/data")
        say("simulators: DIDWW \(simulators.didww.apiURL), Stripe \(simulators.stripe.url), SMTP \(simulators.smtp.url), webhooks \(simulators.webhooks.url)")
        say("  total   step")
        let story = DemoStory(simulators: simulators, host: "127.0.0.1", port: port, stripeSecret: secrets.stripe,
                              inboundToken: secrets.inbound, apiToken: secrets.api, print: say)
        var ok = true
        do { try story.run() } catch { ok = false }
        let status = server.stop()
        if status != 0 {
            say("demo: serve exited with \(status) on SIGTERM (log: \(log))")
            ok = false
        }
        if ok {
            say("every step happened: \(DemoStory.numberID) went pending → paid → provisioning → active → suspended → active → cancelled, its DID bought, routed and released")
        } else {
            say("demo FAILED (server log: \(log); run with --keep to keep it)")
        }
        return ok
    }

    /// Reads the server's start-up lines until `ready`; returns the port it listens on.
    static func waitReady(_ server: ChildProcess) -> Int? {
        let deadline = MonotonicClock.now() + 60_000_000_000
        var port: Int?
        while let line = server.readLine(deadline: deadline) {
            if line.contains("\"event\":\"listening\""), let document = try? JSONScanner.parse(Array(line.utf8)),
               let address = document["address"]?.string, let colon = address.lastIndex(of: ":") {
                port = Int(address[address.index(after: colon)...])
            }
            if line.contains("\"event\":\"ready\"") { return port }
        }
        return nil
    }

    static func say(_ line: String) {
        Output.standardOutput.line(line)
        Output.standardOutput.flush()
    }

    static func temporaryDirectory() throws -> String {
        let base = ServeSettings.processEnvironment("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/numninja-demo-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw UsageError("cannot create a temporary directory under \(base): \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func removeTree(_ path: String) {
        // The directory is ours (mkdtemp) and holds only what serve wrote: journal, snapshots, secrets, log.
        guard let dir = opendir(path) else { unlink(path); return }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }

    static func hex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return DevelopmentSecretsFile.hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Shuts the simulators down from this plain thread.
    static func blockingShutdown(_ simulators: ProviderSimulators) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await simulators.shutdown()
            done.signal()
        }
        done.wait()
    }
}
