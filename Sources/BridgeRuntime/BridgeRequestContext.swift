import Hummingbird
import NIOCore

/// The request context of `serve`'s routes: Hummingbird's core storage, and the peer's address (kept with a
/// sender's handshake, so an operator can tell who sent it).
public struct BridgeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The address of the connection's peer (a proxy's, when one is in front).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

extension BridgeRequestContext {
    /// Where a request came from, for the operator's eyes: the peer's address and, when a proxy forwarded it,
    /// what `X-Forwarded-For` claims (a claim: anyone can set the header).
    func source(of request: Request) -> String? {
        let peer = remoteAddress.flatMap { $0.ipAddress ?? $0.pathname }
        // What the header claims, without control characters (it is shown to the operator).
        let forwarded = String(
            request.headers.filter { $0.name.canonicalName == "x-forwarded-for" }.map(\.value)
                .joined(separator: ", ").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(
                    Character.init))
        switch (peer, forwarded.isEmpty) {
        case (let peer?, true): return peer
        case (let peer?, false): return "\(peer) (X-Forwarded-For: \(forwarded.prefix(200)))"
        case (nil, false): return "X-Forwarded-For: \(forwarded.prefix(200))"
        case (nil, true): return nil
        }
    }
}
