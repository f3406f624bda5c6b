/// The records `storage-crash-child` appends, as a pure function of the sequence.
public enum CrashChildRecords {
    public static func payload(_ sequence: UInt64) -> [UInt8] {
        var state = sequence &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let length = sequence % 10 == 0 ? 0 : Int(next() % 300)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length + 8)
        while bytes.count < length {
            let value = next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < length {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
        return bytes
    }

    public static func kind(_ sequence: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: sequence % 13) }

    public static func time(_ sequence: UInt64) -> Int64 { 1_600_000_000_000_000_000 + Int64(sequence) * 7 }
}
