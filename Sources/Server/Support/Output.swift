#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Buffered line output to stdout or stderr for the command-line tools; safe from any thread.
public final class Output: Sendable {
    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])

    public static let standardOutput = Output(fd: 1)
    public static let standardError = Output(fd: 2)

    init(fd: Int32) { self.fd = fd }

    public func line(_ text: String) {
        let full = buffer.withLock { buffer in
            buffer.append(contentsOf: text.utf8)
            buffer.append(UInt8(ascii: "\n"))
            return buffer.count >= 1 << 16
        }
        if full { flush() }
    }

    public func flush() {
        buffer.withLock { buffer in
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return }
                    offset += n
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
