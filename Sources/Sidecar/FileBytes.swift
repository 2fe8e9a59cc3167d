import Glibc

/// A whole file's bytes, read with open/read/close.
///
/// Not `FileManager.contents(atPath:)`: FoundationEssentials leaks a 4 KiB block on every
/// call (inside `readBytesFromFile`), which LeakSanitizer reports in every sidecar process
/// that reads its key or config file. Same contract: nil when the file cannot be opened or
/// read (missing, unreadable, a directory), the bytes up to end of file otherwise.
enum FileBytes {
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let expected = fstat(fd, &info) == 0 && info.st_size > 0 ? Int(info.st_size) : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expected + 1)
        var chunk = [UInt8](repeating: 0, count: max(4096, min(expected + 1, 1 << 20)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 {
                return bytes
            } else if errno != EINTR {
                return nil
            }
        }
    }
}
