import Foundation

/// The scheme, host and port a fetch may call: written literally at the start of the pipeline's URL, so that
/// a webhook's payload can change the path and query of an enrichment call but never send it (and its
/// credentials) to another host.
public struct FetchOrigin: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int

    /// The origin of a full URL, or nil when it has no http(s) scheme or no host.
    public init?(url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    /// The origin written literally at the start of a URL template, or why there is none.
    static func literal(of template: ValueTemplate) -> Result<FetchOrigin, BridgeCoreError> {
        let prefix: String
        let complete: Bool
        switch template {
        case .literal(.string(let url), _):
            prefix = url
            complete = true
        case .text(let parts, _):
            guard case .text(let text)? = parts.first else { return .failure(Self.notLiteral) }
            prefix = text
            complete = false
        default:
            return .failure(Self.notLiteral)
        }
        guard let schemeEnd = prefix.range(of: "://") else { return .failure(Self.notLiteral) }
        let authority = prefix[schemeEnd.upperBound...]
        // The host must end inside the literal text: at a `/` or `?`, or at the end of a literal URL.
        guard complete || authority.contains(where: { $0 == "/" || $0 == "?" }) else {
            return .failure(Self.notLiteral)
        }
        let end = authority.firstIndex { $0 == "/" || $0 == "?" } ?? authority.endIndex
        guard let origin = FetchOrigin(url: String(prefix[..<end])) else {
            return .failure(BridgeCoreError(.invalidFile, "the URL must start with http:// or https:// and a host"))
        }
        return .success(origin)
    }

    private static let notLiteral = BridgeCoreError(
        .invalidFile,
        "write the URL's scheme and host literally (https://api.example.com/…): only its path and query may be computed, so a payload can never send the call to another host"
    )

    public var description: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
    }
}
