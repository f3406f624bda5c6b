#if canImport(Glibc)
import Glibc
#endif

/// Standard error through one writer thread: request threads only append a line to a bounded buffer, and the
/// writer empties it with one `write(2)` for whatever has accumulated. A log line per request then costs a
/// copy, not a system call, on the serving path. Lines never interleave; when the buffer is full (the
/// terminal or pipe is not reading), new lines are counted and dropped rather than blocking a request.
/// After each write the writer lingers a few milliseconds so lines accumulate: under load one wake-up per
/// request (a context switch each, on two cores) cost more than the logging itself.
final class BufferedStandardErrorLog: LogHandler, @unchecked Sendable {
    static let shared = BufferedStandardErrorLog(fd: 2)

    private let fd: Int32
    private let capacity: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let drained = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var pending: [UInt8] = []
    private var writing = false
    private var dropped = 0

    /// How long the writer lets lines accumulate after a write (`flush` does not wait for it).
    static let linger = timespec(tv_sec: 0, tv_nsec: 5_000_000)

    init(fd: Int32, capacity: Int = 4 << 20) {
        self.fd = fd
        self.capacity = capacity
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(drained, nil)
        if let thread = try? PosixThread.spawn(name: "nn-log", { [self] in run() }) { pthread_detach(thread) }
    }

    func write(_ line: String) {
        pthread_mutex_lock(mutex)
        if pending.count + line.utf8.count + 1 <= capacity {
            let wasEmpty = pending.isEmpty
            pending += line.utf8
            pending.append(UInt8(ascii: "\n"))
            if wasEmpty { pthread_cond_signal(wake) }
        } else {
            dropped += 1
        }
        pthread_mutex_unlock(mutex)
    }

    func flush() {
        pthread_mutex_lock(mutex)
        while !pending.isEmpty || writing { pthread_cond_wait(drained, mutex) }
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while pending.isEmpty { pthread_cond_wait(wake, mutex) }
            var batch = pending
            pending = []
            writing = true
            if dropped > 0 {
                batch += "{\"level\":\"warn\",\"message\":\"log lines dropped: standard error is not keeping up\",\"dropped\":\(dropped)}\n".utf8
                dropped = 0
            }
            pthread_mutex_unlock(mutex)
            writeAll(batch)
            pthread_mutex_lock(mutex)
            writing = false
            pthread_cond_broadcast(drained)
            pthread_mutex_unlock(mutex)
            var pause = Self.linger
            nanosleep(&pause, nil)
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
