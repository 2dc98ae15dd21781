/// Paces the HTTP requests a `CrispClient` sends: every request — a retry inside a call, a look before posting
/// an event again, each step of an upsert — waits for it, so the pace Crisp sees is the pace configured.
public protocol CrispThrottle: Sendable {
    /// Waits until one more request may be sent.
    func acquire() async
    /// Crisp answered a rate limit (420 or 429): slow down.
    func slowDown() async
}
