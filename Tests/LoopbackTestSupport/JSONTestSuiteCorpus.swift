import Foundation

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
        return try names.map { name in
            Case(name: name, bytes: Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }
}
