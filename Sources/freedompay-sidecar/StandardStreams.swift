import Glibc

/// stdin and stderr through `read(2)` and `write(2)`, without Foundation's `FileHandle`.
enum StandardStreams {
    /// Writes all of `text` to stderr; gives up quietly if stderr is closed.
    static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Everything on stdin up to end of file (or the first read error).
    static func readInput() -> [UInt8] {
        var input: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return input }
            input.append(contentsOf: buffer[0..<count])
        }
    }
}
