#if canImport(Glibc)
import Glibc
#endif

/// The client's own record of acknowledged deliveries: one line each, appended and fdatasync'ed before the
/// acknowledgement is counted, so the harness's claims survive the harness too.
final class AckLog: @unchecked Sendable {
    private let fd: Int32

    init?(path: String) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { return nil }
    }

    deinit { close(fd) }

    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fdatasync(fd)
    }
}
