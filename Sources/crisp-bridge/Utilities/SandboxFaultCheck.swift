import ArgumentParser

/// The fault settings of a sandbox, checked the same way for `crisp-bridge sandbox` (`--fail-rate`…) and for
/// `serve --sandbox` (`--sandbox-fail-rate`…): `prefix` is how the command's option names begin.
enum SandboxFaultCheck {
    static func validate(
        prefix: String, failRate: Double, failAfterWriteRate: Double, garbledAnswerRate: Double, lateAnswer: Int,
        latency: Int, rateLimit: Double?
    ) throws {
        for (name, share) in [
            ("fail-rate", failRate), ("fail-after-write-rate", failAfterWriteRate),
            ("garbled-answer-rate", garbledAnswerRate),
        ] where !(0...1).contains(share) {
            throw ValidationError("--\(prefix)\(name) takes a share from 0 to 1")
        }
        guard lateAnswer >= 0 else { throw ValidationError("--\(prefix)late-answer takes milliseconds, 0 or more") }
        guard latency >= 0 else { throw ValidationError("--\(prefix)latency takes milliseconds, 0 or more") }
        if let rateLimit, rateLimit <= 0 {
            throw ValidationError("--\(prefix)rate-limit takes requests per second, above 0")
        }
    }
}
