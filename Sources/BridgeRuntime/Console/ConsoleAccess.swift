import BridgeCore
import Crypto
import Foundation

/// Who may use the console and how a login is remembered: the admin token (sees and acts) or the read-only
/// console token (`BRIDGE_CONSOLE_READONLY_TOKEN`: sees only). A login becomes a session cookie signed with a
/// key derived from both tokens (HMAC-SHA256), so every instance sharing them accepts it, a restart keeps it,
/// and changing either ends every session. Each state-changing request carries a CSRF token
/// derived from its session.
struct ConsoleAccess: Sendable {
    /// What a session may do.
    enum Role: String, Sendable {
        case admin
        case readOnly = "read-only"

        /// Who acted, as the audit log names it (never the token).
        var actor: String { self == .admin ? "console admin" : "console read-only" }
    }

    /// A signed-in session, as its cookie says.
    struct Session: Sendable, Hashable {
        var role: Role
        var expires: Date
        var nonce: String
    }

    /// The cookie's name; it is sent only to `/console`.
    static let cookieName = "crisp_bridge_console"
    /// How long a login lasts.
    static let lifetime: TimeInterval = 12 * 3600

    private let admin: SHA256Digest
    private let readOnly: SHA256Digest?
    private let signing: SymmetricKey

    init(adminToken: String, readOnlyToken: String?) {
        admin = SHA256.hash(data: Data(adminToken.utf8))
        readOnly = readOnlyToken.flatMap { $0.isEmpty ? nil : SHA256.hash(data: Data($0.utf8)) }
        // Both tokens make the key: changing either (a leaked read-only token, say) ends every session.
        let readOnlyDigest = readOnly.map { Data($0) } ?? Data()
        signing = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(
                for: Data("crisp-bridge console sessions v1".utf8) + readOnlyDigest,
                using: SymmetricKey(data: Data(adminToken.utf8))))
    }

    /// The role a token given at login grants. Digests are compared (swift-crypto compares them in constant
    /// time), so neither the tokens' length nor their first differing byte shows in the time taken.
    func role(forToken token: String) -> Role? {
        let given = SHA256.hash(data: Data(token.utf8))
        if given == admin { return .admin }
        if let readOnly, given == readOnly { return .readOnly }
        return nil
    }

    /// A new session's cookie value: `v1.ROLE.EXPIRES.NONCE.MAC`.
    func cookie(for role: Role, now: Date) -> (value: String, session: Session) {
        let nonce = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }
            .joined()
        let session = Session(role: role, expires: now.addingTimeInterval(Self.lifetime), nonce: nonce)
        let body = "v1.\(role.rawValue).\(Int64(session.expires.timeIntervalSince1970)).\(nonce)"
        return (body + "." + mac(body), session)
    }

    /// The session a cookie value holds, when its signature is right and it has not expired.
    func session(cookie: String, now: Date) -> Session? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == "v1", let role = Role(rawValue: parts[1]),
            role == .admin || readOnly != nil, let expires = Int64(parts[2]), !parts[3].isEmpty
        else { return nil }
        let body = parts[0...3].joined(separator: ".")
        guard let given = Self.bytes(hex: parts[4]),
            HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(body.utf8), using: signing)
        else { return nil }
        let session = Session(
            role: role, expires: Date(timeIntervalSince1970: TimeInterval(expires)), nonce: parts[3])
        return session.expires > now ? session : nil
    }

    /// The CSRF token of a session: forms carry it as `csrf`, scripts as `X-CSRF-Token`.
    func csrf(for session: Session) -> String { mac("csrf." + session.nonce) }

    /// Whether `given` is the session's CSRF token (compared in constant time).
    func checks(csrf given: String?, for session: Session) -> Bool {
        guard let given, let bytes = Self.bytes(hex: given) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            bytes, authenticating: Data(("csrf." + session.nonce).utf8), using: signing)
    }

    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: signing).map { String(format: "%02x", $0) }
            .joined()
    }

    private static func bytes(hex: String) -> Data? {
        guard hex.count == 64 else { return nil }
        var data = Data(capacity: 32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }
}
