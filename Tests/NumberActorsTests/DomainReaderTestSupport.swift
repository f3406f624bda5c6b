@testable import NumberActors

extension DomainReader {
    /// For tests: a reader over a private copy of `bytes`, kept allocated for the life of the test process (a
    /// reader reads memory it does not own).
    init(copying bytes: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        self.init(unsafeBytes: UnsafeRawBufferPointer(rebasing: copy[0..<bytes.count]))
    }
}
