import CSystemShim

/// CRC32C (Castagnoli), the checksum of every journal record and segment header.
/// Hardware-accelerated (SSE4.2) where the CPU has it, so verification is never the bottleneck.
public enum CRC32C {
    /// Continues `crc` (0 to start) over `bytes`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return nn_crc32c(crc, base, bytes.count)
    }

    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// The table-driven path, for tests that compare both implementations.
    public static func portableChecksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return crc }
            return nn_crc32c_portable(crc, base, raw.count)
        }
    }

    public static var isHardwareAccelerated: Bool { nn_crc32c_is_hardware() != 0 }
}
