import Glibc

/// Why a file was not read; the message names the file's role and path, never its bytes.
struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
}

/// The one way the sidecar reads a key, credentials or config file: opened without
/// blocking, checked through the opened descriptor (`fstat`, so nothing can be swapped in
/// between), a regular file only, at most `limit` bytes.
///
/// Why each rule: `/dev/zero` would be read until memory runs out; a FIFO would block
/// `open` or `read` forever (and wedge the key reload thread, so that later rotations go
/// unnoticed); a path swapped between a `stat` and an `open` would be read unchecked.
/// Not `FileManager.contents(atPath:)` either: FoundationEssentials leaks a 4 KiB block on
/// every call (inside `readBytesFromFile`), which LeakSanitizer reports.
enum FileBytes {
    /// Largest key or credentials file: a 4096-bit RSA PEM key is about 3.3 KB.
    static let secretLimit = 64 * 1024
    /// Largest config file.
    static let configLimit = 1024 * 1024

    /// The file's bytes and the `stat` of the descriptor they were read from. `what` names
    /// the file in errors ("key file").
    static func read(_ path: String, what: String, limit: Int) throws(FileReadError) -> (bytes: [UInt8], info: stat) {
        // O_NONBLOCK: opening a FIFO for reading without a writer returns at once instead of
        // waiting for one. O_NOCTTY: a terminal device never becomes our controlling terminal.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw FileReadError(description: "\(what) \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileReadError(description: "\(what) \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileReadError(description: "\(what) \(path) is not a regular file (\(kind(of: info)))")
        }
        guard info.st_size <= limit else {
            throw FileReadError(description: "\(what) \(path) is \(info.st_size) bytes; at most \(limit) are read")
        }
        // One byte more than the limit, so that a file grown since `fstat` is noticed.
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count > 0 {
                filled += count
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw FileReadError(description: "\(what) \(path) cannot be read: \(String(cString: strerror(errno)))")
            }
        }
        guard filled <= limit else { throw FileReadError(description: "\(what) \(path) is larger than \(limit) bytes") }
        bytes.removeSubrange(filled...)
        return (bytes, info)
    }

    private static func kind(of info: stat) -> String {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "mode \(String(info.st_mode & S_IFMT, radix: 8))"
        }
    }
}
