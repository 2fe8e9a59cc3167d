import CLinuxEvents

/// Random bytes drawn from the system generator in blocks, so that a request id costs no
/// system call of its own. One per event loop: it is not thread-safe.
final class RandomBlock {
    private var bytes: [UInt8]
    private var offset: Int

    init(blockSize: Int = 4096) {
        bytes = [UInt8](repeating: 0, count: max(16, blockSize / 16 * 16))
        offset = bytes.count
    }

    /// The next 16 random bytes.
    func next16() -> [UInt8] {
        if offset == bytes.count { refill() }
        defer { offset += 16 }
        return Array(bytes[offset..<offset + 16])
    }

    /// One getrandom call per block (the standard generator makes one per 8 bytes).
    private func refill() {
        let filled = bytes.withUnsafeMutableBytes { cle_fill_random($0.baseAddress, UInt($0.count)) }
        if filled != 0 {
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
        }
        offset = 0
    }
}
