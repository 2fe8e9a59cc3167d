/// Received bytes that a parser has not consumed yet, and the strict line reader both
/// parsers share.
struct ByteInput: Sendable {
    private var bytes: [UInt8] = []
    private var position = 0
    /// Where the search for the current line's LF resumes.
    private var scanIndex = 0

    enum LineError: Error {
        case bareLineFeedOrCarriageReturn
        case tooLong
    }

    /// Bytes received but not consumed.
    var count: Int { bytes.count - position }

    /// The next unconsumed byte.
    var first: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func append(_ newBytes: some Sequence<UInt8>) {
        compact()
        bytes.append(contentsOf: newBytes)
    }

    mutating func append(_ newBytes: UnsafeRawBufferPointer) {
        compact()
        bytes.append(contentsOf: newBytes)
    }

    /// Drops consumed bytes once they are at least half of the storage.
    private mutating func compact() {
        guard position > 0, position >= bytes.count / 2 else { return }
        bytes.removeFirst(position)
        scanIndex = max(scanIndex - position, 0)
        position = 0
    }

    /// The next CRLF-terminated line without its CRLF, or `nil` if it is not complete yet.
    /// `limit` bounds the line including its CRLF.
    /// RFC 9112 §2.2: a bare CR or bare LF is rejected rather than guessed at.
    mutating func nextLine(limit: Int) throws(LineError) -> ArraySlice<UInt8>? {
        var index = max(scanIndex, position)
        while index < bytes.count {
            // The limit is checked at every byte, before what the byte is, so that the error
            // does not depend on how much of the line has arrived.
            guard index + 1 - position <= limit else { throw .tooLong }
            let byte = bytes[index]
            if byte == ByteClass.lf {
                guard index > position, bytes[index - 1] == ByteClass.cr else {
                    throw .bareLineFeedOrCarriageReturn
                }
                let line = bytes[position..<index - 1]
                position = index + 1
                scanIndex = position
                return line
            }
            if byte == ByteClass.cr, index + 1 < bytes.count, bytes[index + 1] != ByteClass.lf {
                throw .bareLineFeedOrCarriageReturn
            }
            index += 1
        }
        // A trailing CR is looked at again once the byte after it has arrived.
        scanIndex = index > position && bytes[index - 1] == ByteClass.cr ? index - 1 : index
        return nil
    }

    /// Makes room for `byteCount` more bytes in one allocation (a body of known length), after
    /// dropping what was consumed, so the body does not grow the storage by doubling.
    mutating func reserve(forMore byteCount: Int) {
        if position > 0 {
            bytes.removeFirst(position)
            scanIndex = max(scanIndex - position, 0)
            position = 0
        }
        bytes.reserveCapacity(bytes.count + byteCount)
    }

    /// Consumes exactly `byteCount` bytes (at most `count`). When they are all that is
    /// buffered, the storage itself is handed over instead of copied, so a body is held once.
    mutating func takeArray(_ byteCount: Int) -> [UInt8] {
        precondition(byteCount <= count)
        guard byteCount == count else {
            let taken = Array(bytes[position..<position + byteCount])
            position += byteCount
            scanIndex = position
            return taken
        }
        if position > 0 { bytes.removeFirst(position) }
        let taken = bytes
        bytes = []
        position = 0
        scanIndex = 0
        return taken
    }

    /// Frees the storage when nothing is buffered (an idle connection keeps no buffer).
    mutating func releaseStorageIfEmpty() {
        guard count == 0, bytes.capacity > 0 else { return }
        bytes = []
        position = 0
        scanIndex = 0
    }

    /// Bytes of storage allocated, for tests.
    var capacity: Int { bytes.capacity }

    /// Consumes and returns up to `maxCount` bytes.
    mutating func take(upTo maxCount: Int) -> ArraySlice<UInt8> {
        let taken = bytes[position..<position + min(maxCount, count)]
        position += taken.count
        scanIndex = position
        return taken
    }

    /// Consumes a CRLF: `true` when consumed, `false` when more bytes are needed, `nil`
    /// when the next bytes are something else.
    mutating func consumeCRLF() -> Bool? {
        if count >= 1, bytes[position] != ByteClass.cr { return nil }
        if count >= 2, bytes[position + 1] != ByteClass.lf { return nil }
        guard count >= 2 else { return false }
        position += 2
        scanIndex = position
        return true
    }
}
