import Foundation
import JSONCore
import LoopbackTestSupport
import Testing

/// The strict JSON reader against a public corpus: Nicolas Seriot's JSONTestSuite
/// (Tests/LoopbackTestSupport/Conformance/JSONTestSuite, MIT). Every `n_` case is refused;
/// every `y_` case is accepted except the ones listed below, which the documented strict
/// choices refuse; each `i_` case's decision is pinned below (README, "Request bodies").
@Suite struct JSONTestSuiteTests {
    /// `y_` cases the strict reader refuses on purpose, with the reason.
    static let validButRefused: [String: String] = [
        "y_object_duplicated_key.json": "duplicate key (a signed body must have one reading)",
        "y_object_duplicated_key_and_value.json": "duplicate key, even with the same value",
    ]

    /// Every `i_` (implementation-defined) case: true when the strict reader accepts it.
    static let implementationDefined: [String: Bool] = [
        // Numbers are kept as their literal text, never converted, so no number overflows
        // here: accepted; ranges are the body schemas' (README, "Body schemas": ±2^53).
        "i_number_double_huge_neg_exp.json": true,
        "i_number_huge_exp.json": true,
        "i_number_neg_int_huge_exp.json": true,
        "i_number_pos_double_huge_exp.json": true,
        "i_number_real_neg_overflow.json": true,
        "i_number_real_pos_overflow.json": true,
        "i_number_real_underflow.json": true,
        "i_number_too_big_neg_int.json": true,
        "i_number_too_big_pos_int.json": true,
        "i_number_very_big_negative_int.json": true,
        // Invalid UTF-8 anywhere (bytes that are not UTF-8, overlong forms, encoded
        // surrogates, beyond U+10FFFF): refused.
        "i_string_UTF-8_invalid_sequence.json": false,
        "i_string_UTF8_surrogate_U+D800.json": false,
        "i_string_invalid_utf-8.json": false,
        "i_string_iso_latin_1.json": false,
        "i_string_lone_utf8_continuation_byte.json": false,
        "i_string_not_in_unicode_range.json": false,
        "i_string_overlong_sequence_2_bytes.json": false,
        "i_string_overlong_sequence_6_bytes.json": false,
        "i_string_overlong_sequence_6_bytes_null.json": false,
        "i_string_truncated-utf-8.json": false,
        // A \u escape that leaves a lone or mismatched UTF-16 surrogate: refused.
        "i_object_key_lone_2nd_surrogate.json": false,
        "i_string_1st_surrogate_but_2nd_missing.json": false,
        "i_string_1st_valid_surrogate_2nd_invalid.json": false,
        "i_string_incomplete_surrogate_and_escape_valid.json": false,
        "i_string_incomplete_surrogate_pair.json": false,
        "i_string_incomplete_surrogates_escape_valid.json": false,
        "i_string_invalid_lonely_surrogate.json": false,
        "i_string_invalid_surrogate.json": false,
        "i_string_inverted_surrogates_U+1D11E.json": false,
        "i_string_lone_second_surrogate.json": false,
        // Not UTF-8 text (UTF-16) or a byte-order mark: refused (RFC 8259 §8.1).
        "i_string_UTF-16LE_with_BOM.json": false,
        "i_string_utf16BE_no_BOM.json": false,
        "i_string_utf16LE_no_BOM.json": false,
        "i_structure_UTF-8_BOM_empty_object.json": false,
        // Deeper than StrictJSON's 64 levels of nesting: refused.
        "i_structure_500_nested_arrays.json": false,
    ]

    static func verdicts() throws -> [(name: String, accepted: Bool)] {
        try JSONTestSuiteCorpus.load().map { ($0.name, (try? StrictJSON.parse($0.bytes)) != nil) }
    }

    @Test func everyNCaseIsRefusedAndEveryYCaseAcceptedExceptTheListedOnes() throws {
        let verdicts = try Self.verdicts()
        #expect(verdicts.count == 318, "the whole of test_parsing")
        #expect(verdicts.filter { $0.name.hasPrefix("n_") }.count == 188)
        #expect(verdicts.filter { $0.name.hasPrefix("y_") }.count == 95)
        for (name, accepted) in verdicts where name.hasPrefix("n_") {
            #expect(!accepted, "\(name) is invalid JSON and must be refused")
        }
        for (name, accepted) in verdicts where name.hasPrefix("y_") {
            #expect(accepted == (Self.validButRefused[name] == nil), "\(name): \(Self.validButRefused[name] ?? "valid JSON")")
        }
        for name in Self.validButRefused.keys {
            #expect(verdicts.contains { $0.name == name }, "\(name) is in the corpus")
        }
    }

    @Test func eachICaseDecisionIsTheWrittenOne() throws {
        let decisions = Dictionary(uniqueKeysWithValues: try Self.verdicts().filter { $0.name.hasPrefix("i_") })
        #expect(decisions.count == 35)
        #expect(decisions == Self.implementationDefined, "\(decisions.sorted { $0.key < $1.key })")
    }

    /// Each accepted case, read by the strict reader and written back by JSONWriter, is read by
    /// Python's json (as strict: duplicates and NaN refused, decimals exact) to the same value
    /// as Python reads from the original bytes (scripts/json_differential.py).
    @Test func whatTheStrictReaderAcceptsPythonReadsTheSame() async throws {
        let rewrites = FileManager.default.temporaryDirectory.appendingPathComponent("json-differential-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: rewrites, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rewrites) }
        var accepted = 0
        for testCase in try JSONTestSuiteCorpus.load() {
            guard let value = try? StrictJSON.parse(testCase.bytes) else { continue }
            try Data(JSONWriter.serialize(value)).write(to: rewrites.appendingPathComponent(testCase.name))
            accepted += 1
        }
        #expect(accepted >= 93)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3", root.appendingPathComponent("scripts/json_differential.py").path, try JSONTestSuiteCorpus.directory().path,
                rewrites.path,
            ],
            mergingStandardError: true)
        let text = result.standardOutput
        #expect(result.status == 0, "\(text)")
        #expect(text.contains("json_differential: \(accepted) passed, 0 failed"), "\(text)")
    }
}
