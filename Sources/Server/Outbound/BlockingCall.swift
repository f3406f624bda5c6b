#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking I/O on a thread of its own and resumes the caller when it is done, so a slow provider
/// never holds a thread of the cooperative pool (the HTTP server's handlers run there).
enum BlockingCall {
    static func run<T: Sendable, E: Error>(name: String, _ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            do {
                let thread = try PosixThread.spawn(name: name) {
                    continuation.resume(returning: Result { () throws(E) -> T in try body() })
                }
                pthread_detach(thread)
            } catch {
                // No thread to be had (resource limits): do the work here rather than fail.
                continuation.resume(returning: Result { () throws(E) -> T in try body() })
            }
        }
        return try result.get()
    }
}
