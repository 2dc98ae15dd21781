extension ValueTemplate {
    /// Every expression in the template, in order.
    var expressions: [CompiledExpression] {
        switch self {
        case .literal: []
        case .expression(let e): [e]
        case .text(let parts, _):
            parts.compactMap { if case .expression(let e) = $0 { e } else { nil } }
        case .array(let elements, _): elements.flatMap(\.expressions)
        case .object(let members, _): members.flatMap(\.value.expressions)
        }
    }
}

extension CompiledExpression {
    /// The environment variables the expression reads, at their places.
    var environmentReferences: [EnvironmentReference] {
        root.environmentReads.map {
            EnvironmentReference(name: $0.name, location: origin.location(at: $0.offset), hasDefault: $0.hasDefault)
        }
    }
}

extension Pipeline {
    /// Every expression of the pipeline: trigger, `verify:` settings, fetches, lets, skip rules, actions (and
    /// their calls), order key.
    var expressions: [CompiledExpression] {
        var all = [trigger.each, trigger.id, trigger.when].compactMap { $0 }
        all += trigger.senderSettings.flatMap(\.value.expressions)
        if let poll = trigger.poll {
            all += [poll.items, poll.cursor, poll.next].compactMap { $0 }
            all += poll.serviceAccount?.keyFile.expressions ?? []
        }
        let calls = actions.compactMap { step -> HTTPStep? in if case .http(let h) = step.kind { h } else { nil } }
        for fetch in fetches + (trigger.poll.map { [$0.request] } ?? []) + calls.map(\.call) {
            all += fetch.templates.flatMap(\.expressions)
        }
        all += lets.map(\.expression)
        all += actions.flatMap { $0.templates.flatMap(\.expressions) + ($0.when.map { [$0] } ?? []) }
        all += calls.flatMap { $0.serviceAccount?.keyFile.expressions ?? [] }
        all += skips.flatMap { [$0.when] + $0.reason.expressions }
        if case .expression(let e)? = orderKey { all.append(e) }
        return all
    }

    /// Every read of an environment variable, in the order written.
    public var environmentReferences: [EnvironmentReference] {
        expressions.flatMap(\.environmentReferences).sorted {
            ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        }
    }

    /// The variables the pipeline reads without a default that are not set in `environment`, one diagnostic
    /// per place: an unset variable reads as `null`, so `query.token == env.TOKEN` would let every request
    /// without a token through. `serve` refuses to start on them; `validate` warns (CI often lacks the secrets).
    public func unsetEnvironment(
        _ environment: [String: String], severity: Diagnostic.Severity
    ) -> [Diagnostic] {
        environmentReferences.filter { !$0.hasDefault && environment[$0.name] == nil }.map {
            Diagnostic(
                severity,
                "env.\($0.name) is not set (an unset variable reads as null); set it, "
                    + "or write default(env.\($0.name), …) where it may be missing (pipeline \(name))",
                at: $0.location)
        }
    }
}
