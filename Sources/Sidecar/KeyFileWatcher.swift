import CLinuxEvents
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Calls `onChange` when something changes in the key file's directory (and, when the path
/// is a symlink, in its target's directory). Kubernetes rotates a mounted Secret by swapping
/// a `..data` symlink in that directory, which inotify reports as a move; nothing is polled,
/// so an idle sidecar is never woken.
final class KeyFileWatcher {
    let source: any DispatchSourceRead

    /// Nil when inotify is unavailable (the caller then falls back to polling).
    init?(path: String, queue: DispatchQueue, onChange: @escaping @Sendable () -> Void) {
        let directories = KeyFileWatcher.directories(of: path)
        guard let first = directories.first else { return nil }
        let fd = cle_inotify_watch_directory(first)
        guard fd >= 0 else { return nil }
        for directory in directories.dropFirst() { _ = cle_inotify_add_directory(fd, directory) }
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            // The events themselves do not matter: any change triggers one identity check.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
            onChange()
        }
        source.setCancelHandler { close(fd) }
        source.resume()
    }

    /// The directory of `path` and, if the path resolves elsewhere, that file's directory.
    static func directories(of path: String) -> [String] {
        var result = [directory(of: path)]
        if let resolved = realpath(path, nil) {
            let target = directory(of: String(cString: resolved))
            free(resolved)
            if target != result[0] { result.append(target) }
        }
        return result
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
