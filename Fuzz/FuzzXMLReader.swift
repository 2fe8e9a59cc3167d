// libFuzzer target: StrictXML on arbitrary bytes. See scripts/fuzz.sh; compiled into module
// MerchantAPI with Sources/MerchantAPI/XML/*.swift and MerchantField.swift only.

private let limits = XMLLimits(maxBytes: 4096, maxDepth: 8, maxElements: 256, maxNameBytes: 32)

private func xmlFuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

private func depth(_ element: XMLElement) -> Int {
    1 + (element.children.map(depth).max() ?? 0)
}

private func count(_ element: XMLElement) -> Int {
    1 + element.children.map(count).reduce(0, +)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXMLReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let root: XMLElement
    do {
        root = try StrictXML.parse(input, limits: limits)
    } catch {
        xmlFuzzCheck(error.offset >= 0 && error.offset <= max(input.count, limits.maxBytes), "offset \(error.offset) out of range")
        return 0
    }
    xmlFuzzCheck(depth(root) <= limits.maxDepth, "deeper than maxDepth")
    xmlFuzzCheck(count(root) <= limits.maxElements, "more elements than maxElements")
    // Whatever the reader accepts, the writer writes, and the reader reads back unchanged.
    do {
        let written = try XMLResponseWriter.document(root)
        let reread = try StrictXML.parse(written, limits: XMLLimits(maxBytes: 1 << 20, maxDepth: 8, maxElements: 256, maxNameBytes: 32))
        xmlFuzzCheck(reread == root, "write then read differs: \(reread) vs \(root)")
    } catch {
        xmlFuzzCheck(false, "accepted document does not round-trip: \(error)")
    }
    return 0
}
