import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// UUIDs as the canonical 36-character text the upstream expects.
enum UUIDText {
    /// 8-4-4-4-12 hex digits (either case), as in RFC 9562 §4.
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (offset, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard byte.isHexDigit else { return false }
            }
        }
        return true
    }

    /// A UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits from `random`.
    static func version7(random: RandomBlock, unixMilliseconds: UInt64 = UUIDText.unixMilliseconds()) -> String {
        var bytes = random.next16()
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: unixMilliseconds >> (8 * (5 - UInt64(i)))) }
        return format(setVersion(7, in: bytes))
    }

    /// A UUIDv7 with fresh randomness, off the hot path (the sandbox).
    static func version7() -> String {
        version7(random: RandomBlock(blockSize: 16))
    }

    static func unixMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(now.tv_nsec / 1_000_000)
    }

    /// A UUIDv8 (RFC 9562 §5.8) from SHA-256 over a domain tag and the merchant, the route
    /// path, the action and the idempotency key, each length-prefixed (4-byte big-endian), so
    /// that no two such tuples share an input: the same key on a status read, a refund or a
    /// reverse gives three different ids, and Freedom Pay never replays one for another.
    static func version8(merchantID: String, path: String, action: String, idempotencyKey: String) -> String {
        var input = Array("freedompay-sidecar idempotency-key v2".utf8)
        for part in [merchantID, path, action, idempotencyKey] {
            let utf8 = Array(part.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { input.append(contentsOf: $0) }
            input.append(contentsOf: utf8)
        }
        let digest = Array(SHA256.hash(data: input).prefix(16))
        return format(setVersion(8, in: digest))
    }

    private static func setVersion(_ version: UInt8, in bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        bytes[6] = (bytes[6] & 0x0F) | (version << 4)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant 10xx
        return bytes
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase 8-4-4-4-12.
    private static func format(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
