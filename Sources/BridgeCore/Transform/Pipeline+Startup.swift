extension Pipeline {
    /// The `verify:` settings that come out empty with this environment (an unset secret): every request
    /// would be refused, so `serve` says so when it starts.
    public func emptyVerifySettings(environment: [String: String]) -> [String] {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.env] = .object(environment.mapValues { .string($0) })
        return trigger.senderSettings.compactMap { setting in
            let value = try? setting.value.evaluate(&frame)
            switch value {
            case .string(let s)? where !s.isEmpty: return nil
            case .number?, .bool?: return nil
            default: return setting.key
            }
        }
    }
}
