import Foundation

/// A webhook path with route parameters: `/hooks/{source}` matches `/hooks/typeform` and gives
/// `path.source == "typeform"`. A parameter is a whole segment; it matches one non-empty segment.
public struct PathPattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    public let text: String

    /// The pattern of `text`, or a reason it is not one.
    static func parse(_ text: String) -> Result<PathPattern, BridgeCoreError> {
        var segments: [Segment] = []
        var seen: Set<String> = []
        for piece in text.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "*" || piece == "**" || piece.hasPrefix(":") {
                return .failure(
                    BridgeCoreError(
                        .invalidFile,
                        "'\(piece)' is not a route parameter here: write a parameter as a whole segment in braces, e.g. /hooks/{source}"
                    ))
            }
            let hasBrace = piece.contains("{") || piece.contains("}")
            guard hasBrace else {
                segments.append(.literal(String(piece)))
                continue
            }
            let name = piece.dropFirst().dropLast()
            guard piece.first == "{", piece.last == "}", let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                return .failure(
                    BridgeCoreError(
                        .invalidFile,
                        "a route parameter is a whole segment with a name of letters, digits and _, e.g. /hooks/{source}"
                    ))
            }
            guard seen.insert(String(name)).inserted else {
                return .failure(BridgeCoreError(.invalidFile, "route parameter {\(name)} appears twice"))
            }
            segments.append(.parameter(String(name)))
        }
        return .success(PathPattern(segments: segments, text: text))
    }

    /// The route with its parameters unnamed (`/hooks/{}`): two patterns of one shape match the same paths.
    public var shape: String {
        "/" + segments.map { if case .literal(let text) = $0 { text } else { "{}" } }.joined(separator: "/")
    }

    /// Whether this pattern is tried before `other` when both could match: segment by segment, a literal before a
    /// parameter (as routers do), so `/hooks/stripe` wins over `/hooks/{source}`.
    public func precedes(_ other: PathPattern) -> Bool {
        // Patterns of different lengths never match the same path: any consistent order will do.
        if segments.count != other.segments.count { return segments.count < other.segments.count }
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return text < other.text
    }

    /// The parameter names, in order.
    public var parameters: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// How a path fares against the pattern: its route parameters (percent-decoded), or why a path of the
    /// pattern's shape is refused.
    public enum Matching: Sendable, Equatable {
        case matched([String: String])
        /// The path has the pattern's shape, but a parameter decodes to something no route parameter may hold.
        case refused(String)
    }

    /// The route parameters of `path` (percent-decoded), or nil when it does not match (or is refused).
    public func match(_ path: String) -> [String: String]? {
        if case .matched(let values)? = matching(path) { values } else { nil }
    }

    /// How `path` fares against the pattern; nil when it does not have its shape. A parameter is refused when,
    /// once percent-decoded, it holds a path separator (`/`, `\`), a control character (NUL, CR, LF…) or is
    /// `.` or `..`: matching splits the path first, so `%2F` would otherwise smuggle a separator into
    /// `path.source`.
    public func matching(_ path: String) -> Matching? {
        let pieces = path.split(separator: "/", omittingEmptySubsequences: true)
        guard pieces.count == segments.count else { return nil }
        var values: [String: String] = [:]
        var refusal: String?
        for (piece, segment) in zip(pieces, segments) {
            switch segment {
            case .literal(let text):
                guard piece == text else { return nil }
            case .parameter(let name):
                let value = String(piece).removingPercentEncoding ?? String(piece)
                if refusal == nil, let problem = Self.problem(value) {
                    refusal = "the route parameter {\(name)} \(problem) once percent-decoded"
                }
                values[name] = value
            }
        }
        if let refusal { return .refused(refusal) }
        return .matched(values)
    }

    /// What makes a decoded route parameter unsafe, if anything.
    static func problem(_ value: String) -> String? {
        if value == "." || value == ".." { return "is '\(value)'" }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "/", "\\": return "holds a path separator ('\(scalar)')"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                return "holds a control character (U+\(String(format: "%04X", scalar.value)))"
            default: continue
            }
        }
        return nil
    }
}
