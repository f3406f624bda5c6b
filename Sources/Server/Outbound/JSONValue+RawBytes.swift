extension JSONValue {
    /// The exact bytes of this object or array in its document (to hand a provider's JSON on unchanged).
    /// The document was validated when parsed, so counting brackets outside strings finds the end.
    var containerBytes: ArraySlice<UInt8> {
        let bytes = document.bytes
        let start = Int(token.start)
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return bytes[start...index] }
            }
            index += 1
        }
        return bytes[start...]
    }
}
