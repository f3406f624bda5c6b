#if canImport(Glibc)
import Glibc
#endif
import Snapshot

/// The secrets and tokens `serve` checks requests with. Configured ones come from the environment; in
/// development each one left unset is generated once and kept in `<data>/dev-secrets.json` (mode 0600),
/// which `numninja send` reads too. Production refuses to start while any is unset.
struct ServiceSecrets: Sendable, Equatable {
    var stripe: [String]
    var didww: [String]
    var inbound: [String]
    var api: [String]
    /// The names (file keys) of those generated on this start, to print once.
    var generated: [String] = []

    /// The keys of `dev-secrets.json`, in the order they are written.
    static let fileKeys = ["stripe_webhook_secret", "didww_callback_secret", "inbound_token", "api_token"]

    struct Missing: Error, CustomStringConvertible {
        let variables: [String]
        var description: String { "NUMNINJA_ENV=production needs \(variables.joined(separator: ", ")) to be set" }
    }

    static func resolve(_ settings: ServeSettings) throws -> ServiceSecrets {
        let configured = [settings.stripeSecrets, settings.didwwSecrets, settings.inboundTokens, settings.apiTokens]
        if settings.mode == .production {
            let names = ["NUMNINJA_STRIPE_WEBHOOK_SECRETS", "NUMNINJA_DIDWW_CALLBACK_SECRETS", "NUMNINJA_INBOUND_TOKEN", "NUMNINJA_API_TOKEN"]
            let missing = zip(names, configured).filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else { throw Missing(variables: missing) }
            return ServiceSecrets(stripe: configured[0]!, didww: configured[1]!, inbound: configured[2]!, api: configured[3]!)
        }
        var values = configured
        var generated: [String] = []
        if values.contains(where: { $0 == nil }) {
            var stored = try DevelopmentSecretsFile.load(directory: settings.dataDirectory)
            var changed = false
            for (index, key) in fileKeys.enumerated() where values[index] == nil {
                if stored[key] == nil {
                    stored[key] = DevelopmentSecretsFile.generate(key)
                    generated.append(key)
                    changed = true
                }
                values[index] = [stored[key]!]
            }
            if changed { try DevelopmentSecretsFile.store(stored, directory: settings.dataDirectory) }
        }
        return ServiceSecrets(stripe: values[0]!, didww: values[1]!, inbound: values[2]!, api: values[3]!, generated: generated)
    }
}

/// `<data>/dev-secrets.json`: one flat JSON object of strings, written atomically with mode 0600.
enum DevelopmentSecretsFile {
    static func path(directory: String) -> String { directory + "/dev-secrets.json" }

    static func load(directory: String) throws -> [String: String] {
        let path = path(directory: directory)
        guard FileSystem.exists(path) else { return [:] }
        let bytes = try FileSystem.read(path)
        guard let document = try? JSONScanner.parse(bytes), document.root.kind == .object else {
            throw StorageError.invalidArgument("\(path) is not a JSON object; delete it to generate new development secrets")
        }
        var values: [String: String] = [:]
        document.root.forEachMember { key, value in
            if let text = value.string, !text.isEmpty { values[key] = text }
        }
        return values
    }

    static func store(_ values: [String: String], directory: String) throws {
        var json = JSONObject()
        for key in ServiceSecrets.fileKeys { if let value = values[key] { json.set(key, value) } }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) where !ServiceSecrets.fileKeys.contains(key) { json.set(key, value) }
        let text = Array((json.string + "\n").utf8)
        try FileSystem.createDirectory(directory)
        let path = path(directory: directory)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.io(IOError(operation: "open", path: temporary, errno: errno)) }
        do {
            defer { close(fd) }
            try text.withUnsafeBytes { try SystemFileIO().writeAll(fd, $0, path: temporary) }
            try SystemFileIO().fsync(fd, path: temporary)
        }
        guard rename(temporary, path) == 0 else { throw StorageError.io(IOError(operation: "rename", path: path, errno: errno)) }
        try SystemFileIO().syncDirectory(directory)
    }

    /// 32 random bytes: `whsec_` + base64 for the Stripe secret (Stripe's own form), hex for the others.
    static func generate(_ key: String) -> String {
        var random = [UInt8](repeating: 0, count: 32)
        for index in random.indices { random[index] = UInt8.random(in: 0...255) }
        switch key {
        case "stripe_webhook_secret": return "whsec_" + Base64.encode(random)
        case "api_token": return "nn_api_" + hex(random)
        case "inbound_token": return "nn_in_" + hex(random)
        default: return hex(random)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
