extension Pipeline {
    /// The headers and query parameters that carry this pipeline's sender secret with this environment
    /// (`?key=`, `?code=`, a `header` verifier's header): the runtime redacts them before a request is stored,
    /// recorded or logged.
    public func secretNames(environment: [String: String]) -> SenderSecretNames {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.env] = .object(environment.mapValues { .string($0) })
        var settings: [String: JSONValue] = [:]
        for setting in trigger.senderSettings { settings[setting.key] = try? setting.value.evaluate(&frame) }
        return trigger.sender.secretNames(settings: settings)
    }

    /// The `verify:` settings that come out empty with this environment (an unset secret): every request
    /// would be refused, so `serve` says so when it starts.
    public func emptyVerifySettings(environment: [String: String]) -> [String] {
        unsetVerifySettings(environment: environment, includingOptional: false)
    }

    /// The environment variables a `verify:` setting reads, e.g. `["PIPEDRIVE_WEBHOOK_PASSWORD"]`.
    public func environmentNames(ofSetting key: String) -> [String] {
        var names: [String] = []
        for setting in trigger.senderSettings where setting.key == key {
            for reference in setting.value.expressions.flatMap(\.environmentReferences)
            where !names.contains(reference.name) {
                names.append(reference.name)
            }
        }
        return names
    }

    /// The `verify:` settings given in the pipeline that come out empty with this environment; with
    /// `includingOptional`, optional ones too (Notion's `verification_token`).
    public func unsetVerifySettings(environment: [String: String], includingOptional: Bool) -> [String] {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.env] = .object(environment.mapValues { .string($0) })
        let sender = trigger.sender
        let needed = Set(sender.requiredSettings + sender.alternativeSettings.flatMap { $0 })
        return trigger.senderSettings.compactMap { setting in
            guard includingOptional || needed.contains(setting.key) else { return nil }  // optional ones may be empty
            let value = try? setting.value.evaluate(&frame)
            switch value {
            case .string(let s)? where !s.isEmpty: return nil
            case .number?, .bool?: return nil
            case .array(let items)? where items.contains(where: { !($0.stringValue ?? "").isEmpty }): return nil
            default: return setting.key
            }
        }
    }
}

extension Pipeline {
    /// The `verify:` settings evaluated with this environment (a setting whose expression fails is left out):
    /// what a command that acts for the sender reads, e.g. `crisp-bridge zoho watch` (the channel's token).
    public func verifySettings(environment: [String: String]) -> [String: JSONValue] {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.env] = .object(environment.mapValues { .string($0) })
        var settings: [String: JSONValue] = [:]
        for setting in trigger.senderSettings { settings[setting.key] = try? setting.value.evaluate(&frame) }
        return settings
    }
}
