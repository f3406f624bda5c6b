/// Little-endian fixed-width encoding into `[UInt8]` and out of raw buffers.
/// Every on-disk integer in this project is little-endian (docs/formats.md).
extension Array where Element == UInt8 {
    @inlinable
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    @inlinable
    public mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "store out of bounds")
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset`; the caller has checked bounds.
    @inlinable
    public func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "load out of bounds")
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Fixed-width integers formatted as the zero-padded 20-digit names of segments and snapshots.
public enum SequenceFileName {
    public static func name(_ sequence: UInt64, suffix: String) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: Swift.max(0, 20 - digits.count)) + digits + suffix
    }

    /// Parses `<20 digits><suffix>`; nil for anything else (temporary files, quarantine, strays).
    public static func parse(_ fileName: String, suffix: String) -> UInt64? {
        guard fileName.hasSuffix(suffix) else { return nil }
        let stem = fileName.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return UInt64(stem)
    }
}
