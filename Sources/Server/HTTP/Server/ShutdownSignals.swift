#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The write end of the self-pipe; set before any handler is installed, read by the handler only.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// The whole signal handler: one write(2) of the signal number (async-signal-safe), errno preserved.
private func forwardSignal(_ signo: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: signo)
    _ = write(signalPipeWriteFD, &byte, 1)
    errno = saved
}

/// Turns Unix signals (SIGTERM, SIGINT by default) into a callback on an ordinary thread, through a
/// self-pipe: the handler only writes a byte; a dedicated thread reads it and calls `onSignal`, where
/// real work (such as `HTTPServer.shutdown()`) is allowed. One instance at a time per process.
///
///     let signals = try ShutdownSignals.install { _ in Task { await server.shutdown() } }
///     await server.waitUntilStopped()
///     signals.cancel()
public final class ShutdownSignals: Sendable {
    private static let installed = Mutex(false)

    private let signals: [Int32]
    private let readFD: Int32
    private let writeFD: Int32
    private let thread: Mutex<pthread_t?>

    public static func install(signals: [Int32] = [SIGTERM, SIGINT],
                               onSignal: @escaping @Sendable (Int32) -> Void) throws -> ShutdownSignals {
        try installed.withLock { installed in
            guard !installed else { throw SocketError(errnoCode: EBUSY, function: "ShutdownSignals.install (already installed)") }
            var fds: [Int32] = [-1, -1]
            _ = try Syscall.checked("pipe") { pipe(&fds) }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)  // a full pipe drops the byte instead of blocking the handler
            let readFD = fds[0]
            let thread = try PosixThread.spawn(name: "nn-signals") {
                // Threads inherit the creator's mask, and pool threads block signals; this thread takes them,
                // so a process-directed signal always has somewhere to go.
                var mask = sigset_t()
                sigemptyset(&mask)
                for signo in signals { sigaddset(&mask, signo) }
                pthread_sigmask(SIG_UNBLOCK, &mask, nil)
                var byte: UInt8 = 0
                while true {
                    let count = read(readFD, &byte, 1)
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 || byte == 0 { return }  // 0: cancel()
                    onSignal(Int32(byte))
                }
            }
            signalPipeWriteFD = fds[1]
            for signo in signals { signal(signo, forwardSignal) }
            installed = true
            return ShutdownSignals(signals: signals, readFD: fds[0], writeFD: fds[1], thread: thread)
        }
    }

    private init(signals: [Int32], readFD: Int32, writeFD: Int32, thread: pthread_t) {
        self.signals = signals
        self.readFD = readFD
        self.writeFD = writeFD
        self.thread = Mutex(thread)
    }

    /// Restores the default dispositions and stops the reader thread.
    public func cancel() {
        guard let id = thread.withLock({ state -> pthread_t? in defer { state = nil }; return state }) else { return }
        for signo in signals { signal(signo, SIG_DFL) }
        signalPipeWriteFD = -1
        var stop: UInt8 = 0
        _ = write(writeFD, &stop, 1)
        pthread_join(id, nil)
        Socket.close(readFD)
        Socket.close(writeFD)
        Self.installed.withLock { $0 = false }
    }
}
