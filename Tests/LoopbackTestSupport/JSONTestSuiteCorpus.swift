import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Nicolas Seriot's JSONTestSuite parsing cases (Conformance/JSONTestSuite/test_parsing, MIT;
/// see Conformance/README.md): `y_` must be accepted, `n_` refused, `i_` either.
public enum JSONTestSuiteCorpus {
    public struct Case: Sendable, CustomStringConvertible {
        /// The file name, e.g. `y_object_basic.json`.
        public var name: String
        public var bytes: [UInt8]
        public var description: String { name }
    }

    public struct MissingCorpus: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory holding the case files.
    public static func directory() throws -> URL {
        guard let root = Bundle.module.url(forResource: "Conformance", withExtension: nil) else {
            throw MissingCorpus(description: "Conformance resource missing")
        }
        return root.appendingPathComponent("JSONTestSuite/test_parsing")
    }

    /// Every case, sorted by name.
    public static func load() throws -> [Case] {
        let directory = try directory()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in Case(name: name, bytes: try readFile(directory.appendingPathComponent(name).path)) }
    }

    /// open/read/close: FoundationEssentials' `Data(contentsOf:)` leaks a 4 KiB buffer per
    /// call, which LeakSanitizer reports (see README, "Sanitizers").
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MissingCorpus(description: "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw MissingCorpus(description: "cannot read \(path): errno \(errno)")
            }
            bytes += chunk[..<count]
        }
    }
}
