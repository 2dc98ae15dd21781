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
/// external fetch can happen. Only UTF-8 is read, and no other encoding may be declared; an element may have at
/// most `maxAttributes` attributes.
enum XMLBody {
    static func parse(_ data: Data) throws(BridgeCoreError) -> JSONValue {
        // Only UTF-8 (ASCII included) is read: another encoding (UTF-16 has NUL bytes) could hide a declaration
        // from the check below.
        guard !data.contains(0), String(data: data, encoding: .utf8) != nil else {
            throw BridgeCoreError.rejected(400, "the XML body must be UTF-8 text")
        }
        // The parser follows the encoding the prolog declares: UTF-7 would turn `+ADw-` into `<` past the checks
        // below, ISO-8859-1 would read UTF-8 bytes as mojibake. Only UTF-8 is read, so no other may be declared.
        if let declared = declaredEncoding(data), !["utf-8", "utf8"].contains(declared.lowercased()) {
            throw BridgeCoreError.rejected(
                400,
                "the XML declaration names encoding \"\(declared)\": only UTF-8 is read (send UTF-8, declared as UTF-8 or not at all)"
            )
        }
        switch scan(data) {
        case .declaration:
            throw BridgeCoreError.rejected(
                400, "XML with a DOCTYPE or entity declaration is refused (no entity expansion, no external fetches)")
        case .tooManyAttributes(let line):
            throw BridgeCoreError.rejected(
                400, "an XML element on line \(line) has more than \(maxAttributes) attributes (refused, not parsed)")
        case .fine:
            break
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

    /// The most attributes one element may have: the parser checks an element's attributes against each other
    /// (quadratic time), so a body of 90,000 attributes took seconds of both cores.
    static let maxAttributes = 256

    /// What the byte scan before parsing found.
    enum Scan: Equatable {
        case fine
        /// `<!DOCTYPE` or `<!ENTITY` (any case) outside CDATA sections and comments.
        case declaration
        /// An element with more than `maxAttributes` attributes, and its line.
        case tooManyAttributes(line: Int)
    }

    /// Scans the bytes once before parsing: declarations (skipping CDATA sections and comments, whose text may
    /// hold `<!DOCTYPE` harmlessly), and the attributes of each tag (each `=` outside quotes inside a tag).
    static func scan(_ data: Data) -> Scan {
        let bytes = [UInt8](data)
        let words: [[UInt8]] = [Array("DOCTYPE".utf8), Array("ENTITY".utf8)]
        // Compared in place: this runs at every `<` of every XML body intake reads.
        func starts(_ text: String, at i: Int) -> Bool {
            bytes[i...].starts(with: text.utf8)
        }
        func skip(past end: String, from i: Int) -> Int {
            var j = i
            while j < bytes.count {
                if bytes[j...].starts(with: end.utf8) { return j + end.utf8.count }
                j += 1
            }
            return bytes.count
        }
        var i = 0
        var line = 1
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            if starts("<![CDATA[", at: i) {
                i = skip(past: "]]>", from: i + 9)
                continue
            }
            if starts("<!--", at: i) {
                i = skip(past: "-->", from: i + 4)
                continue
            }
            if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "!") {
                for word in words where i + 2 + word.count <= bytes.count {
                    if zip(bytes[(i + 2)..<(i + 2 + word.count)], word).allSatisfy({ $0 & 0xDF == $1 }) {
                        return .declaration
                    }
                }
                i += 2
                continue
            }
            // A tag: count its attributes up to its `>` (quoted values may hold `>` and `=`).
            let tagLine = line
            var attributes = 0
            var quote: UInt8?
            i += 1
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\n") { line += 1 }
                if let open = quote {
                    if c == open { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: "=") {
                    attributes += 1
                    if attributes > maxAttributes { return .tooManyAttributes(line: tagLine) }
                } else if c == UInt8(ascii: ">") {
                    break
                }
                i += 1
            }
            i += 1
        }
        return .fine
    }

    /// The encoding the XML declaration names (`<?xml version="1.0" encoding="…"?>` at the start, after a byte
    /// order mark), if it names one.
    static func declaredEncoding(_ data: Data) -> String? {
        var bytes = data.prefix(512)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let head = String(decoding: bytes, as: UTF8.self)
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return nil }
        let declaration = head[head.startIndex..<end.lowerBound]
        guard let name = declaration.range(of: "encoding") else { return nil }
        var rest = declaration[name.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
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
