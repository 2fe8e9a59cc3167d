// libFuzzer target: the strict JSON reader (JSONCore.StrictJSON) and its writer. Compiled into
// module JSONCore with Sources/JSONCore/*.swift alone (see scripts/fuzz.sh).
//
// Invariants, for every input the reader accepts:
//   - the input is UTF-8 as a whole (the reader refuses invalid UTF-8 anywhere);
//   - JSONWriter's rewrite is read back to the same value, and rewriting that gives the same
//     bytes (one reading, one writing);
//   - with FUZZ_STRICT_JSON_REPLAY=DIR set, the input and its rewrite are written to
//     DIR/inputs/NAME and DIR/rewrites/NAME, for scripts/json_differential.py (Python's json
//     must read both to the same value). scripts/fuzz.sh replays the corpus that way.

#if canImport(Glibc)
    import Glibc
#endif

private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

/// FNV-1a of the bytes, as a file name.
private func name(of bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex + ".json"
}

private func write(_ bytes: [UInt8], to path: String) {
    guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

private let replayDirectory: String? = getenv("FUZZ_STRICT_JSON_REPLAY").map { String(cString: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStrictJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let value = try? StrictJSON.parse(input) else { return 0 }
    check(String(validating: input, as: UTF8.self) != nil, "accepted input that is not UTF-8")
    let rewrite = JSONWriter.serialize(value)
    let reread: JSONValue
    do {
        reread = try StrictJSON.parse(rewrite)
    } catch {
        fatalError("fuzz invariant violated: the rewrite \(String(decoding: rewrite, as: UTF8.self)) is refused: \(error.message)")
    }
    check(reread == value, "the rewrite reads as another value")
    check(JSONWriter.serialize(reread) == rewrite, "rewriting the rewrite changes it")
    if let directory = replayDirectory {
        let file = name(of: input)
        write(input, to: directory + "/inputs/" + file)
        write(rewrite, to: directory + "/rewrites/" + file)
    }
    return 0
}
