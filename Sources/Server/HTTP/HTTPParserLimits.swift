/// Every input size the HTTP layer accepts has an explicit bound, checked before anything is allocated for it.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Request line plus header fields plus the terminating empty line, in bytes (over it: 431).
    public var maxHeaderBytes: Int
    /// Number of header field lines (over it: 431). Trailers have the same two limits.
    public var maxHeaderCount: Int
    /// Body as sent, before any Content-Encoding is undone (`NUMNINJA_MAX_BODY_BYTES`; over it: 413).
    public var maxBodyBytes: Int
    /// One chunk-size line including its extensions (over it: 400).
    public var maxChunkLineBytes: Int
    /// All chunk extensions of one message together, so tiny chunks with huge extensions cannot stream forever (400).
    public var maxChunkExtensionBytes: Int
    /// RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host field is answered 400.
    public var requireHost: Bool

    public init(maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1_048_576,
                maxChunkLineBytes: Int = 1024, maxChunkExtensionBytes: Int = 16 * 1024, requireHost: Bool = true) {
        precondition(maxHeaderBytes > 0 && maxHeaderCount >= 0 && maxBodyBytes >= 0 && maxChunkLineBytes > 2)
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
        self.requireHost = requireHost
    }
}
