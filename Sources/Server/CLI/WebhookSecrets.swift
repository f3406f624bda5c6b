#if canImport(Glibc)
import Glibc
#endif
import Snapshot

/// Webhook secrets from the environment, or, in development, from `<data>/dev-secrets.json`
/// (generated on first start, mode 0600), so a first run works with no configuration.
/// `NUMNINJA_ENV=production` refuses to start without them.
enum WebhookSecrets {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) must be set when NUMNINJA_ENV=production" }
    }

    static func stripe(dataDirectory: String) throws -> (secrets: [String], generated: Bool) {
        if let configured = ServeCommand.environment("NUMNINJA_STRIPE_WEBHOOK_SECRETS") {
            return (configured.split(separator: ",").map(String.init).filter { !$0.isEmpty }, false)
        }
        if ServeCommand.environment("NUMNINJA_ENV") == "production" { throw Missing(variable: "NUMNINJA_STRIPE_WEBHOOK_SECRETS") }
        let path = dataDirectory + "/dev-secrets.json"
        if FileSystem.exists(path) {
            let bytes = try FileSystem.read(path)
            if let document = try? JSONScanner.parse(bytes), let secret = document["stripe_webhook_secret"]?.string, !secret.isEmpty {
                return ([secret], false)
            }
            throw StorageError.invalidArgument("\(path) has no stripe_webhook_secret; delete it to generate a new one")
        }
        var random = [UInt8](repeating: 0, count: 32)
        for index in random.indices { random[index] = UInt8.random(in: 0...255) }
        let secret = "whsec_" + Base64.encode(random)
        var json = JSONObject()
        json.set("stripe_webhook_secret", secret)
        let text = Array((json.string + "\n").utf8)
        try FileSystem.createDirectory(dataDirectory)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.io(IOError(operation: "open", path: path, errno: errno)) }
        defer { close(fd) }
        try text.withUnsafeBytes { try SystemFileIO().writeAll(fd, $0, path: path) }
        try SystemFileIO().fsync(fd, path: path)
        return ([secret], true)
    }
}
