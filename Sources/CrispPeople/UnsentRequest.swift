import AsyncHTTPClient
import NIOCore

/// Tells, from AsyncHTTPClient's error kinds, whether a request certainly never left this process: no
/// connection could be made (refused, unreachable, DNS, a TLS or proxy handshake that failed or timed out), or
/// none came free in the pool before the deadline. Anything else (a read or write timeout, a connection closed
/// or reset, a deadline passed while the request ran) may have come after the other side received it.
///
/// One rule for every caller: Crisp's client and the runtime's `http` and `fetch` calls.
public enum UnsentRequest {
    /// The client errors raised before a request is written to a connection.
    static let clientCodes: [HTTPClientError] = [
        .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout,
        .httpProxyHandshakeTimeout, .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown, .missingSocketPath,
    ]

    /// Whether `error` means the request was never sent.
    public static func matches(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return clientCodes.contains(error) }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError {
            // ECONNREFUSED (Linux and Darwin values) comes only from a connect. Unreachable hosts or networks can
            // also be reported on a connection already in use: in doubt.
            return [111, 61].contains(error.errnoCode)
        }
        // NIOPosix's connection error (every address refused) and DNS failures, by type: they come through the
        // pool as the last connect failure.
        let kind = String(describing: type(of: error))
        return kind == "NIOConnectionError" || kind == "SocketAddressError"
    }
}
