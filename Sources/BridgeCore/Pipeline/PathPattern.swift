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

    /// The route parameters of `path` (percent-decoded), or nil when it does not match.
    public func match(_ path: String) -> [String: String]? {
        let pieces = path.split(separator: "/", omittingEmptySubsequences: true)
        guard pieces.count == segments.count else { return nil }
        var values: [String: String] = [:]
        for (piece, segment) in zip(pieces, segments) {
            switch segment {
            case .literal(let text):
                guard piece == text else { return nil }
            case .parameter(let name):
                values[name] = String(piece).removingPercentEncoding ?? String(piece)
            }
        }
        return values
    }
}
