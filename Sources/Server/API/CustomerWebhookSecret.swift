import CCrypto
import Snapshot
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The Standard Webhooks secret (`whsec_` + base64 of 32 bytes) that signs deliveries to a customer's
/// webhook URL. Nothing about it is stored in the domain: it is derived as
/// HMAC-SHA256(key = the data directory's signing key, message = number id + "\n" + URL), so it is stable
/// for a number and URL, changes when the URL changes, and comes back after a restart or a recovery.
///
/// The signing key is 32 random bytes kept as hex in `<data>/webhook-signing.key` (mode 0600), created
/// on first need: written to a temporary file, fsynced, linked into place (so concurrent creators agree
/// on one key), and the directory fsynced. Losing that file changes every customer's secret.
struct CustomerWebhookSecret: Sendable {
    static let fileName = "webhook-signing.key"
    let directory: String

    init(directory: String) { self.directory = directory }

    var path: String { directory + "/" + Self.fileName }

    /// The keys read or created by this process, per data directory.
    private static let cache = Mutex<[String: [UInt8]]>([:])

    /// The secret for deliveries of `numberID`'s events to `url`.
    func secret(numberID: String, url: String) throws -> String {
        let key = try signingKey()
        let digest = Self.hmacSHA256(key: key, message: Array((numberID + "\n" + url).utf8))
        return "whsec_" + Base64.encode(digest)
    }

    /// The data directory's signing key, created on first need.
    func signingKey() throws -> [UInt8] {
        if let key = Self.cache.withLock({ $0[path] }) { return key }
        let key = try Self.loadOrCreate(path: path, directory: directory)
        return Self.cache.withLock { cache in
            if let existing = cache[path] { return existing }
            cache[path] = key
            return key
        }
    }

    static func loadOrCreate(path: String, directory: String) throws -> [UInt8] {
        if FileSystem.exists(path) { return try load(path) }
        try FileSystem.createDirectory(directory)
        var random = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in random.indices { random[index] = generator.next() }
        let text = Array((DevelopmentSecretsFile.hex(random) + "\n").utf8)
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError.io(IOError(operation: "open", path: temporary, errno: errno)) }
        defer { unlink(temporary) }
        do {
            defer { close(fd) }
            try text.withUnsafeBytes { try SystemFileIO().writeAll(fd, $0, path: temporary) }
            try SystemFileIO().fsync(fd, path: temporary)
        }
        // link(2) never replaces: if another creator won, its key is the one.
        if link(temporary, path) != 0, errno != EEXIST {
            throw StorageError.io(IOError(operation: "link", path: path, errno: errno))
        }
        try SystemFileIO().syncDirectory(directory)
        return try load(path)
    }

    static func load(_ path: String) throws -> [UInt8] {
        let bytes = try FileSystem.read(path)
        let text = bytes.last == UInt8(ascii: "\n") ? Array(bytes.dropLast()) : bytes
        guard text.count == 64, let key = decodeHex(text) else {
            throw StorageError.invalidArgument("\(path) is not 64 hex digits; restore it from a backup (a new key changes every customer's webhook secret)")
        }
        return key
    }

    static func decodeHex(_ text: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index + 1 < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                     m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &digest, &length)
            }
        }
        precondition(ok != nil && length == 32, "HMAC-SHA256 failed in libcrypto")
        return digest
    }

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        _ = message.withUnsafeBytes { m in
            SHA256(m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &digest)
        }
        return digest
    }
}
