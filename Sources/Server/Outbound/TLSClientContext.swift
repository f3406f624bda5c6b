import CCrypto
#if canImport(Glibc)
import Glibc
#endif

/// One OpenSSL client context (`SSL_CTX`), shared by every TLS connection of a client. Certificates are verified
/// against the system store by default, or against a given CA file (tests, private CAs); TLS 1.2 at least.
/// The context is configured once in `init` and only read afterwards, which OpenSSL allows from any thread.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer

    /// - Parameter caFile: PEM file of the certificate authorities to trust instead of the system store.
    public init(caFile: String? = nil) throws(OutboundIOError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .tls("SSL_CTX_new: \(TLSClientContext.lastError())") }
        self.context = context
        guard nn_ssl_ctx_require_tls12(context) == 1 else { throw .tls("cannot require TLS 1.2") }
        nn_ssl_ctx_set_nonblocking_modes(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw .tls("cannot load CA file \(caFile): \(TLSClientContext.lastError())")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw .tls("cannot load the system trust store: \(TLSClientContext.lastError())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The oldest queued OpenSSL error as text (the queue is per thread), and clears the queue.
    static func lastError() -> String {
        let code = ERR_get_error()
        defer { ERR_clear_error() }
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One TLS session over a connected non-blocking socket. Used by one thread at a time.
final class TLSSession {
    let ssl: OpaquePointer

    init(context: TLSClientContext, fd: Int32, serverName: String) throws(OutboundIOError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else { throw .tls("SSL_new: \(TLSClientContext.lastError())") }
        self.ssl = ssl
        guard SSL_set_fd(ssl, fd) == 1 else { throw .tls("SSL_set_fd: \(TLSClientContext.lastError())") }
        // SNI only for names (RFC 6066 forbids IP literals); the host check accepts either, IPs against IP SANs.
        if !TLSSession.isIPLiteral(serverName) { _ = nn_ssl_set_server_name(ssl, serverName) }
        guard SSL_set1_host(ssl, serverName) == 1 else { throw .tls("cannot set the expected host name") }
    }

    deinit { SSL_free(ssl) }

    enum Step {
        case done(Int)
        case wantRead
        case wantWrite
        case closed
    }

    /// Maps the result of an SSL call to what the caller should do next.
    func step(_ result: Int32) throws(OutboundIOError) -> Step {
        if result > 0 { return .done(Int(result)) }
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let code = errno
            ERR_clear_error()
            if code == 0 || code == ECONNRESET || code == EPIPE { return .closed }
            throw .io(function: "SSL", errno: code)
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK) {
                ERR_clear_error()
                throw .certificate(String(cString: X509_verify_cert_error_string(verify)))
            }
            throw .tls(TLSClientContext.lastError())
        }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
