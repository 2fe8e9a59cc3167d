import MerchantAPI
import Testing

@Suite struct StrictXMLTests {
    private func parse(_ text: String, limits: XMLLimits = XMLLimits()) throws(XMLReadError) -> XMLElement {
        try StrictXML.parse(Array(text.utf8), limits: limits)
    }

    /// The kind of the error parsing `bytes` throws, or nil when it parses.
    private func kind(_ bytes: [UInt8], limits: XMLLimits = XMLLimits()) -> XMLReadError.Kind? {
        do {
            _ = try StrictXML.parse(bytes, limits: limits)
            return nil
        } catch { return error.kind }
    }

    private func kind(_ text: String, limits: XMLLimits = XMLLimits()) -> XMLReadError.Kind? {
        kind(Array(text.utf8), limits: limits)
    }

    @Test func readsAFlatResponseWithDeclaration() throws {
        let root = try parse(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<response>\r\n <pg_status>ok</pg_status>\r\n <empty/><e2></e2></response>\n")
        #expect(root.name == "response")
        #expect(
            root.leafFields == [
                MerchantField(name: "pg_status", value: "ok"), MerchantField(name: "empty", value: ""),
                MerchantField(name: "e2", value: ""),
            ])
    }

    @Test func decodesTheFivePredefinedEntitiesAndCharacterReferences() throws {
        let root = try parse("<r><v>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x10FFFF;&#13;]]&gt;</v></r>")
        #expect(root.children[0].text == "<>&\"'AB\u{10FFFF}\r]]>")
    }

    @Test func keepsRepeatedNamesAndNestingInOrder() throws {
        let root = try parse("<r><a>1</a><g><a>2</a><a>3</a></g><a>4</a></r>")
        #expect(root.children.map(\.name) == ["a", "g", "a"])
        #expect(root.children[1].children.map(\.text) == ["2", "3"])
        #expect(root.leafFields == nil)
    }

    @Test(arguments: [
        ("", XMLReadError.Kind.noRootElement), ("   ", .noRootElement), ("text", .noRootElement),
        ("<r>", .unexpectedEnd), ("<r></s>", .mismatchedEndTag), ("<r/><r/>", .trailingData), ("<r/>x", .trailingData),
        ("<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>", .doctypeNotAllowed), ("<r>&x;</r>", .invalidEntity),
        ("<r>&amp</r>", .invalidEntity), ("<r>&#;</r>", .invalidEntity), ("<r>&#xZZ;</r>", .invalidEntity),
        ("<r>&#0;</r>", .invalidCharacterReference), ("<r>&#xD800;</r>", .invalidCharacterReference),
        ("<r>&#xFFFE;</r>", .invalidCharacterReference), ("<r>&#99999999;</r>", .invalidEntity),
        ("<r><!-- c --></r>", .commentNotAllowed), ("<!-- c --><r/>", .commentNotAllowed),
        ("<r><![CDATA[x]]></r>", .cdataNotAllowed), ("<r><?pi x?></r>", .processingInstructionNotAllowed),
        ("<?xml-stylesheet x?><r/>", .processingInstructionNotAllowed), ("<r a=\"1\"/>", .attributeNotAllowed),
        ("<x:r/>", .invalidName), ("<1r/>", .invalidName), ("<r>a]]>b</r>", .cdataEndInText),
        ("<r>x<a/></r>", .mixedContent), ("<r><a/>x</r>", .mixedContent), ("<r>\u{1}</r>", .invalidCharacter),
        ("<r>a\rb</r>", .invalidCharacter), ("<?xml version=\"1.1\"?><r/>", .invalidDeclaration),
        ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>", .invalidDeclaration),
        ("<?xml encoding=\"utf-8\" version=\"1.0\"?><r/>", .invalidDeclaration), ("\u{FEFF}<r/>", .noRootElement),
        (" <?xml version=\"1.0\"?><r/>", .processingInstructionNotAllowed),
    ])
    func refusesWithTheKind(_ text: String, _ kind: XMLReadError.Kind) {
        #expect(self.kind(text) == kind)
    }

    @Test func refusesInvalidUTF8InText() {
        let bytes: [UInt8] = Array("<r>".utf8) + [0xC3, 0x28] + Array("</r>".utf8)
        #expect(kind(bytes) == .invalidUTF8)
    }

    @Test func enforcesLimits() {
        let limits = XMLLimits(maxBytes: 64, maxDepth: 2, maxElements: 3, maxNameBytes: 4)
        #expect(kind("<r>" + String(repeating: "x", count: 60) + "</r>", limits: limits) == .tooLarge)
        #expect(kind("<r><a><b/></a></r>", limits: limits) == .tooDeep)
        #expect(kind("<r><a/><b/><c/></r>", limits: limits) == .tooManyElements)
        #expect(kind("<rrrrr/>", limits: limits) == .nameTooLong)
        #expect(kind("<r><a/></r>", limits: limits) == nil)
    }

    @Test func writerOutputReadsBackToTheSameFields() throws {
        let fields = [
            MerchantField(name: "pg_status", value: "ok"), MerchantField(name: "pg_description", value: "a<b & c>d\r\n]]>"),
            MerchantField(name: "pg_salt", value: "заказ"),
        ]
        let bytes = try XMLResponseWriter.response(fields)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response><pg_status>ok</pg_status>"
                + "<pg_description>a&lt;b &amp; c&gt;d&#13;\n]]&gt;</pg_description><pg_salt>заказ</pg_salt></response>")
        #expect(try StrictXML.parse(bytes).leafFields == fields)
    }

    @Test func writerRefusesWhatTheReaderWould() {
        #expect(throws: XMLResponseWriter.WriteError.invalidName("a:b")) {
            try XMLResponseWriter.response([MerchantField(name: "a:b", value: "")])
        }
        #expect(throws: XMLResponseWriter.WriteError.invalidCharacter(field: "a")) {
            try XMLResponseWriter.response([MerchantField(name: "a", value: "\u{0}")])
        }
    }
}
