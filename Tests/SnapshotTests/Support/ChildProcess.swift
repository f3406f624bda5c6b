import Snapshot
#if canImport(Glibc)
import Glibc
#endif

/// Finds a built executable of this package: walks up from the directory of the running test binary
/// (`/proc/self/exe`) to the first directory that contains `name`. `STORAGE_CRASH_CHILD` overrides it.
func locateBuiltExecutable(_ name: String) throws -> String {
    if name == "storage-crash-child", let override = getenv("STORAGE_CRASH_CHILD") {
        return String(cString: override)
    }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { throw IOError(operation: "readlink", path: "/proc/self/exe", errno: errno) }
    let exe = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var directory = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
    while !directory.isEmpty {
        let candidate = directory + "/" + name
        if access(candidate, X_OK) == 0 && !Files.isDirectory(candidate) { return candidate }
        guard let slash = directory.lastIndex(of: "/") else { break }
        directory = String(directory[..<slash])
    }
    throw TestFailure("could not find \(name) above \(exe); build it with `swift build --build-tests`")
}

/// A child process whose stdout is a pipe read by the test (stderr is inherited, for diagnostics).
final class ChildProcess {
    let pid: pid_t
    private var readFD: Int32
    private var pending: [UInt8] = []
    private(set) var reachedEOF = false
    private var reaped = false

    init(executable: String, arguments: [String]) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw IOError(operation: "pipe", path: executable, errno: errno) }
        // Close-on-exec on both ends so children spawned by other tests do not inherit them
        // (dup2 onto the child's stdout clears the flag there).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child = pid_t()
        let rc = posix_spawn(&child, executable, &actions, nil, argv, environ)
        Glibc.close(fds[1])
        guard rc == 0 else {
            Glibc.close(fds[0])
            throw IOError(operation: "posix_spawn", path: executable, errno: rc)
        }
        pid = child
        readFD = fds[0]
    }

    /// Reads what arrives within `milliseconds` (at most), returning the complete lines read.
    func readLines(waitingAtMost milliseconds: Int) -> [String] {
        guard !reachedEOF else { return [] }
        var lines: [String] = []
        var poller = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(max(0, milliseconds)))
        guard ready > 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, $0.count) }
        if n == 0 {
            reachedEOF = true
        } else if n > 0 {
            pending.append(contentsOf: chunk[0..<n])
            while let newline = pending.firstIndex(of: 10) {
                lines.append(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        return lines
    }

    /// Bytes after the last newline (an incomplete line).
    var incompleteLine: [UInt8] { pending }

    func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

    /// Waits for the child to exit; returns the raw wait status.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status
    }

    static func terminatingSignal(_ status: Int32) -> Int32? {
        let signal = status & 0x7f
        return signal != 0 && signal != 0x7f ? signal : nil
    }

    static func exitCode(_ status: Int32) -> Int32? {
        status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    deinit {
        if !reaped {
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        if readFD >= 0 { Glibc.close(readFD) }
    }
}
