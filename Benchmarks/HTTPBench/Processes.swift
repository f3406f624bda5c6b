#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// nginx answering `return 200` on a free loopback port, started from a private configuration.
struct Nginx {
    let process: Process
    let port: Int

    static func start(directory: String) -> Nginx? {
        guard let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            report("http-bench: nginx is not installed (Benchmarks/http-bench.sh installs it)")
            return nil
        }
        let port = freePort()
        try? FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let configuration = """
            worker_processes 2;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                keepalive_requests 1000000;
                server {
                    listen 127.0.0.1:\(port);
                    location / { default_type application/json; return 200 '{"received": true}'; }
                }
            }
            """
        try? configuration.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", directory, "-c", directory + "/nginx.conf", "-g", "daemon off;"]
        do { try process.run() } catch { report("http-bench: cannot start nginx: \(error)"); return nil }
        guard waitForPort(port) else { report("http-bench: nginx did not listen"); process.terminate(); return nil }
        return Nginx(process: process, port: port)
    }

    func stop() {
        Glibc.kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
    }
}

/// `numninja serve` from the same release build, fsync always, on a free loopback port.
struct NumNinjaServer {
    let process: Process
    let port: Int

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("numninja").path
    }

    static func start(dataDirectory: String, secret: String, fsync: String) -> NumNinjaServer? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0"]
        var environment = ProcessInfo.processInfo.environment
        environment["NUMNINJA_FSYNC"] = fsync
        environment["NUMNINJA_STRIPE_WEBHOOK_SECRETS"] = secret
        environment["NUMNINJA_STRIPE_TOLERANCE_SECONDS"] = "0"
        // Ingestion alone: no effect workers calling simulators on the same two cores.
        environment["NUMNINJA_EFFECTS"] = "pause"
        // The durability check reads the journal back: no automatic snapshot, so retention releases no segment
        // (a released segment's events live on in the snapshot, not in `journal dump`).
        environment["NUMNINJA_SNAPSHOT_EVERY"] = "1000000000000"
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { report("http-bench: cannot start \(binary): \(error)"); return nil }
        var text = ""
        while !text.contains("\"event\":\"ready\"") {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.contains("\"listening\"") }),
              let range = line.range(of: "\"address\":\"127.0.0.1:"),
              let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            report("http-bench: numninja did not start: \(text)")
            process.terminate()
            return nil
        }
        return NumNinjaServer(process: process, port: port)
    }

    func stop() -> Int32 {
        Glibc.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func forceKill() { Glibc.kill(process.processIdentifier, SIGKILL) }

    /// The Stripe event ids in the journal (`numninja journal dump`, payloads decoded): ids are stored as text.
    static func journaledEventIDs(dataDirectory: String) -> Set<String>? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["journal", "dump", "--data-dir", dataDirectory]
        let stdout = Pipe()
        process.standardOutput = stdout
        guard (try? process.run()) != nil else { return nil }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var ids = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let range = line.range(of: "\"payload_base64\":\""),
                  let payload = Data(base64Encoded: String(line[range.upperBound...].prefix { $0 != "\"" })) else { continue }
            ids.formUnion(eventIDs(in: [UInt8](payload)))
        }
        return ids
    }

    /// Every `evt_r<digits>_<digits>` in a byte string.
    static func eventIDs(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        let prefix = Array("evt_r".utf8)
        var index = 0
        while index + prefix.count < bytes.count {
            if bytes[index..<(index + prefix.count)].elementsEqual(prefix) {
                var end = index + prefix.count
                while end < bytes.count, (bytes[end] >= 48 && bytes[end] <= 57) || bytes[end] == UInt8(ascii: "_") { end += 1 }
                found.append(String(decoding: bytes[index..<end], as: UTF8.self))
                index = end
            } else {
                index += 1
            }
        }
        return found
    }
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

func waitForPort(_ port: Int) -> Bool {
    for _ in 0..<200 {
        if let fd = LoadClient.connect(host: "127.0.0.1", port: port) { close(fd); return true }
        usleep(20_000)
    }
    return false
}
