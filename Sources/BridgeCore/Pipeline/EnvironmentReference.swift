/// A pipeline's read of an environment variable (`env.NAME`), where it is written, and whether it gives a
/// value for when the variable is unset (`default(env.NAME, …)` or `env.NAME ?? …`).
public struct EnvironmentReference: Sendable, Hashable {
    public let name: String
    public let location: SourceLocation
    public let hasDefault: Bool
}
