import CZlib

/// `Content-Encoding: gzip` bodies through zlib, streaming, with a hard cap on what decompression may produce:
/// a small body can expand a thousandfold (a gzip bomb), so output is produced 64 KiB at a time and refused
/// (413) the moment it would pass the cap. The server calls this on a complete body, after routing and auth.
public enum GzipBody {
    /// The body with its Content-Encoding undone: identity (or none) as is, `gzip`/`x-gzip` inflated.
    /// Any other coding is 400 `invalid_payload`: the body cannot be read as the endpoint's format.
    public static func decodedBody(of request: HTTPRequest, maxDecompressedBytes: Int) throws(HTTPParseError) -> [UInt8] {
        var codings: [ArraySlice<UInt8>] = []
        for index in request.headers.indices where request.headers.nameEquals(at: index, "content-encoding") {
            HTTPSyntax.forEachListElement(request.headers.valueBytes(at: index)) { codings.append($0) }
        }
        codings.removeAll { HTTPSyntax.equalsIgnoringCase($0, "identity") }
        if codings.isEmpty { return request.body }
        guard codings.count == 1,
              HTTPSyntax.equalsIgnoringCase(codings[0], "gzip") || HTTPSyntax.equalsIgnoringCase(codings[0], "x-gzip") else {
            throw HTTPParseError(.invalidPayload, "Only gzip is supported as a Content-Encoding.", requestLine: request.head.requestLine)
        }
        return try decompress(request.body, maxDecompressedBytes: maxDecompressedBytes)
    }

    /// Inflates one or more concatenated gzip members (as `gunzip` does). Corrupt, truncated or trailing
    /// non-gzip data: 400 `invalid_payload`; output over `maxDecompressedBytes`: 413 `payload_too_large`.
    public static func decompress(_ compressed: [UInt8], maxDecompressedBytes: Int) throws(HTTPParseError) -> [UInt8] {
        switch inflateAll(compressed, cap: maxDecompressedBytes) {
        case .success(let output): return output
        case .failure(let error): throw error
        }
    }

    private static let chunkSize = 64 * 1024

    private static func inflateAll(_ compressed: [UInt8], cap: Int) -> Result<[UInt8], HTTPParseError> {
        let corrupt = HTTPParseError(.invalidPayload, "The body is not valid gzip data.")
        guard !compressed.isEmpty else { return .failure(corrupt) }
        var stream = z_stream()
        let status = inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "inflateInit2 failed: \(status)")
        defer { inflateEnd(&stream) }
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { scratch.deallocate() }
        var output: [UInt8] = []
        output.reserveCapacity(min(cap, max(chunkSize, compressed.count * 4)))

        return compressed.withUnsafeBufferPointer { input -> Result<[UInt8], HTTPParseError> in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)  // bodies are bounded by maxBodyBytes, far below 4 GiB
            precondition(input.count <= Int(UInt32.max))
            while true {
                stream.next_out = scratch.baseAddress
                stream.avail_out = UInt32(scratch.count)
                let code = inflate(&stream, Z_NO_FLUSH)
                let produced = scratch.count - Int(stream.avail_out)
                guard produced <= cap - output.count else {
                    return .failure(HTTPParseError(.payloadTooLarge, "The body is larger than \(cap) bytes once decompressed."))
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced]))
                switch code {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return .success(output) }
                    // Another gzip member follows; anything else after the stream is garbage.
                    let next = input.count - Int(stream.avail_in)
                    guard stream.avail_in >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else { return .failure(corrupt) }
                    guard inflateReset(&stream) == Z_OK else { return .failure(corrupt) }
                default:
                    // Z_BUF_ERROR (truncated input), Z_DATA_ERROR (corrupt or bad CRC), Z_NEED_DICT, Z_MEM_ERROR.
                    return .failure(corrupt)
                }
            }
        }
    }

    /// Compresses `bytes` as one gzip member; for senders (the DIDWW CDR simulator, `numninja send`) and tests.
    public static func compress(_ bytes: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: chunkSize)
        defer { scratch.deallocate() }
        bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            precondition(input.count <= Int(UInt32.max))
            while true {
                stream.next_out = scratch.baseAddress
                stream.avail_out = UInt32(scratch.count)
                let code = deflate(&stream, Z_FINISH)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<(scratch.count - Int(stream.avail_out))]))
                if code == Z_STREAM_END { return }
                precondition(code == Z_OK || code == Z_BUF_ERROR, "deflate failed: \(code)")
            }
        }
        return output
    }
}
