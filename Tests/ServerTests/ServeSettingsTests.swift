import Foundation
@testable import Server
import Testing

/// Configuration as CONTRACT.md §Configuration lists it: defaults, environment, flags winning, bad values.
@Suite struct ServeSettingsTests {
    static func settings(_ flags: [String: String] = [:], _ environment: [String: String] = [:]) throws -> ServeSettings {
        try ServeSettings(flags: flags) { environment[$0] }
    }

    @Test func defaultsAreTheContractsDefaults() throws {
        let settings = try Self.settings()
        #expect(settings.listenHost == "127.0.0.1" && settings.listenPort == 8080)
        #expect(settings.dataDirectory == "data/state")
        #expect(settings.mode == .development)
        #expect(settings.publicURL == "http://127.0.0.1:8080")
        #expect(settings.durability == .always)
        #expect(settings.snapshotEvery == 100_000)
        #expect(settings.maxBodyBytes == 1_048_576 && settings.maxDecompressedBytes == 8_388_608)
        #expect(settings.journalSegmentBytes == 67_108_864)
        #expect(settings.headerTimeoutSeconds == 10 && settings.idleTimeoutSeconds == 60)
        #expect(settings.stripeToleranceSeconds == 300)
        #expect(settings.stripeSecrets == nil && settings.apiTokens == nil)
    }

    @Test func providersAreSimulatedUntilConfiguredAndNeedTheirCredentials() throws {
        let defaults = try Self.settings()
        #expect(defaults.providers == ProviderSettings() && defaults.providers.simulatesAny)
        #expect(!defaults.effectsPaused && defaults.effectMaxAttempts == 8 && defaults.reconcileIntervalSeconds == 300)

        let configured = try Self.settings(["didww-trunk-id": "trunk_1"], [
            "NUMNINJA_DIDWW_API_URL": "https://api.didww.com/v3/", "NUMNINJA_DIDWW_API_KEY": "key",
            "NUMNINJA_DIDWW_SMS_URL": "https://sms.didww.com", "NUMNINJA_DIDWW_SMS_USER": "u", "NUMNINJA_DIDWW_SMS_PASSWORD": "p",
            "NUMNINJA_STRIPE_API_URL": "https://api.stripe.com", "NUMNINJA_STRIPE_API_KEY": "sk_live_x",
            "NUMNINJA_SMTP_URL": "smtps://mailer:secret@smtp.example.com", "NUMNINJA_MAIL_FROM": "NumNinja <n@example.com>",
            "NUMNINJA_EFFECTS": "pause", "NUMNINJA_EFFECT_MAX_ATTEMPTS": "3", "NUMNINJA_RECONCILE_INTERVAL_SECONDS": "60"])
        #expect(configured.providers.didww == ProviderSettings.DIDWW(apiURL: "https://api.didww.com/v3", apiKey: "key", trunkID: "trunk_1"))
        #expect(configured.providers.didwwSMS?.user == "u" && configured.providers.stripe?.apiKey == "sk_live_x")
        #expect(configured.providers.mail?.from == "NumNinja <n@example.com>")
        #expect(!configured.providers.simulatesAny)
        #expect(configured.effectsPaused && configured.effectMaxAttempts == 3 && configured.reconcileIntervalSeconds == 60)

        let bad: [[String: String]] = [
            ["NUMNINJA_DIDWW_API_URL": "https://api.didww.com/v3"],                        // no key
            ["NUMNINJA_DIDWW_SMS_URL": "https://sms.didww.com", "NUMNINJA_DIDWW_SMS_USER": "u"], // no password
            ["NUMNINJA_STRIPE_API_URL": "ftp://stripe", "NUMNINJA_STRIPE_API_KEY": "k"],
            ["NUMNINJA_SMTP_URL": "mail.example.com"],
            ["NUMNINJA_EFFECTS": "later"],
            ["NUMNINJA_EFFECT_MAX_ATTEMPTS": "0"],
            ["NUMNINJA_RECONCILE_INTERVAL_SECONDS": "soon"],
            ["NUMNINJA_EVENT_LOOPS": "0"],
        ]
        for environment in bad {
            #expect(throws: UsageError.self, "\(environment)") { try Self.settings([:], environment) }
        }
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let settings = try Self.settings(["listen": "127.0.0.1:9000", "api-token": "a,b"],
                                         ["NUMNINJA_LISTEN": "127.0.0.1:7000", "NUMNINJA_API_TOKEN": "c", "NUMNINJA_INBOUND_TOKEN": "x, y"])
        #expect(settings.listenPort == 9000)
        #expect(settings.apiTokens == ["a", "b"])
        // Items are split on commas only: a space is part of a token.
        #expect(settings.inboundTokens == ["x", " y"])
        #expect(settings.publicURL == "http://127.0.0.1:9000")
        #expect(!settings.publicURLConfigured)
    }

    @Test func publicURLIsKeptWithoutItsTrailingSlash() throws {
        let settings = try Self.settings([:], ["NUMNINJA_PUBLIC_URL": "https://hooks.example.com/numninja/"])
        #expect(settings.publicURL == "https://hooks.example.com/numninja")
        #expect(settings.publicURLConfigured)
    }

    @Test(arguments: [("fsync", "maybe"), ("listen", "localhost"), ("snapshot-every", "-5"), ("max-body-bytes", "0"),
                      ("public-url", "hooks.example.com"), ("env", "prod"), ("stripe-webhook-secrets", "sk_live_1"),
                      ("idle-timeout-seconds", "1.5"), ("inbound-token", ",")])
    func badValuesAreUsageErrorsNamingTheSetting(flag: String, value: String) throws {
        let error = try #require(throws: UsageError.self) { try Self.settings([flag: value]) }
        #expect(error.description.contains("--\(flag)"))
    }

    @Test func productionNeedsEverySecretAndToken() throws {
        var settings = try Self.settings([:], ["NUMNINJA_ENV": "production", "NUMNINJA_API_TOKEN": "t"])
        let error = try #require(throws: ServiceSecrets.Missing.self) { try ServiceSecrets.resolve(settings) }
        #expect(error.variables == ["NUMNINJA_STRIPE_WEBHOOK_SECRETS", "NUMNINJA_DIDWW_CALLBACK_SECRETS", "NUMNINJA_INBOUND_TOKEN"])
        settings.stripeSecrets = ["whsec_a"]
        settings.didwwSecrets = ["d"]
        settings.inboundTokens = ["i"]
        let secrets = try ServiceSecrets.resolve(settings)
        #expect(secrets == ServiceSecrets(stripe: ["whsec_a"], didww: ["d"], inbound: ["i"], api: ["t"]))
    }

    @Test func developmentGeneratesOnlyWhatIsUnsetAndKeepsIt() throws {
        let directory = NSTemporaryDirectory() + "nn-devsecrets-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = try Self.settings(["data-dir": directory, "api-token": "configured"])
        let first = try ServiceSecrets.resolve(settings)
        #expect(first.api == ["configured"])
        #expect(first.generated == ["stripe_webhook_secret", "didww_callback_secret", "inbound_token"])
        #expect(first.stripe[0].hasPrefix("whsec_"))
        let second = try ServiceSecrets.resolve(settings)
        #expect(second.generated.isEmpty)
        #expect(second.stripe == first.stripe && second.didww == first.didww && second.inbound == first.inbound)
        // Unsetting the API token later generates just that one.
        let third = try ServiceSecrets.resolve(try Self.settings(["data-dir": directory]))
        #expect(third.generated == ["api_token"])
    }

    @Test func aDamagedSecretsFileIsAClearError() throws {
        let directory = NSTemporaryDirectory() + "nn-devsecrets-bad-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("[1,2".utf8).write(to: URL(fileURLWithPath: directory + "/dev-secrets.json"))
        #expect(throws: (any Error).self) { try ServiceSecrets.resolve(try Self.settings(["data-dir": directory])) }
    }
}

/// Static tokens: any configured one passes, compared in full.
@Suite struct AccessTokensTests {
    @Test func anyConfiguredTokenPassesAndNothingElse() {
        let tokens = AccessTokens(["old-token", "new-token"])
        #expect(tokens.accepts(Array("old-token".utf8)))
        #expect(tokens.accepts(Array("new-token".utf8)))
        #expect(!tokens.accepts(Array("new-toke".utf8)))
        #expect(!tokens.accepts(Array("new-tokens".utf8)))
        #expect(!tokens.accepts([UInt8]()))
        #expect(!AccessTokens([""]).accepts([UInt8]()))
    }
}
