/// An answer the sandbox gives instead of success: Crisp's HTTP status and `reason`, and a message.
public struct SandboxError: Error, Sendable {
    public let status: Int
    public let reason: String
    public let message: String

    public init(_ status: Int, _ reason: String, _ message: String) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    static func invalidData(_ message: String) -> SandboxError { SandboxError(400, "invalid_data", message) }
    static let peopleNotFound = SandboxError(404, "people_not_found", "the people profile does not exist")
    static let routeNotFound = SandboxError(404, "not_found", "the route does not exist")
}
