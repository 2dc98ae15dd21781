import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads an XML body into JSON, the shape pipelines see (`body`), with Foundation's `XMLParser` (libxml2).
///
/// The mapping: the root element becomes `{ "Root": value }`. Namespace prefixes are dropped from names
/// (`sf:Email` → `Email`); `xmlns` and `xsi:` attributes are dropped, except that `xsi:nil="true"` makes the
/// element `null`; other attributes become `"@name"` members. An element with no child elements and no
/// attributes is its text (always text, never converted to a number); otherwise an object of its children, a
/// name that repeats becoming a list (`#text` holds text beside children or attributes).
///
/// A document with a DOCTYPE or an entity declaration is refused before parsing: no entity expansion and no
/// external fetch can happen. Only UTF-8 is read.
enum XMLBody {
    static func parse(_ data: Data) throws(BridgeCoreError) -> JSONValue {
        // Only UTF-8 (ASCII included) is read: another encoding (UTF-16 has NUL bytes) could hide a declaration
        // from the check below.
        guard !data.contains(0), String(data: data, encoding: .utf8) != nil else {
            throw BridgeCoreError.rejected(400, "the XML body must be UTF-8 text")
        }
        if containsDeclaration(data) {
            throw BridgeCoreError.rejected(
                400, "XML with a DOCTYPE or entity declaration is refused (no entity expansion, no external fetches)")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let line = parser.lineNumber
            let reason = builder.failure ?? parser.parserError.map { "\($0.localizedDescription)" } ?? "unreadable"
            throw BridgeCoreError.rejected(400, "the XML body is not well-formed (line \(line)): \(reason)")
        }
        return .object([root.name: root.value])
    }

    /// Whether the bytes contain `<!DOCTYPE` or `<!ENTITY`, in any case.
    static func containsDeclaration(_ data: Data) -> Bool {
        let bytes = [UInt8](data)
        guard bytes.count > 2 else { return false }
        let words: [[UInt8]] = [Array("DOCTYPE".utf8), Array("ENTITY".utf8)]
        for i in 0..<(bytes.count - 2) where bytes[i] == UInt8(ascii: "<") && bytes[i + 1] == UInt8(ascii: "!") {
            for word in words where i + 2 + word.count <= bytes.count {
                if zip(bytes[(i + 2)..<(i + 2 + word.count)], word).allSatisfy({ $0 & 0xDF == $1 }) { return true }
            }
        }
        return false
    }

    /// The local part of a qualified name (`sf:Email` → `Email`).
    static func localName(_ name: String) -> String {
        name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name
    }

    private final class Element {
        let name: String
        var attributes: [String: JSONValue] = [:]
        var children: [(String, JSONValue)] = []
        var text = ""
        var isNil = false

        init(name: String) { self.name = name }

        var value: JSONValue {
            if isNil { return .null }
            if children.isEmpty && attributes.isEmpty { return .string(text) }
            var object = attributes
            var groups: [String: [JSONValue]] = [:]
            for (name, value) in children { groups[name, default: []].append(value) }
            for (name, values) in groups { object[name] = values.count > 1 ? .array(values) : values[0] }
            let trimmed = text.trimmed
            if !trimmed.isEmpty { object["#text"] = .string(trimmed) }
            return .object(object)
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [Element] = []
        var root: (name: String, value: JSONValue)?
        var failure: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            let element = Element(name: XMLBody.localName(elementName))
            for (name, value) in attributes {
                if name == "xmlns" || name.hasPrefix("xmlns:") { continue }
                if name.hasPrefix("xsi:") {
                    if name == "xsi:nil", value == "true" || value == "1" { element.isNil = true }
                    continue
                }
                element.attributes["@" + XMLBody.localName(name)] = .string(value)
            }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            guard let element = stack.popLast() else { return }
            if let parent = stack.last {
                parent.children.append((element.name, element.value))
            } else {
                root = (element.name, element.value)
            }
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            failure = "entity declarations are refused"
            parser.abortParsing()
        }

        func parser(
            _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?,
            systemID: String?
        ) {
            failure = "entity declarations are refused"
            parser.abortParsing()
        }
    }
}
