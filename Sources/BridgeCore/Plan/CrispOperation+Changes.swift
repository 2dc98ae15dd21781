extension CrispOperation {
    /// What of this operation still needs writing, given what crisp-bridge last wrote to the contact: the
    /// operation cut down to its changed fields (nil when nothing changed), and the digests to record once it
    /// went through. Events are never cut: each is posted once per source event. Conversation operations
    /// are sent whole.
    ///
    /// With `force` (`always_write`, `replay --force`) the whole operation is sent, and the digests recorded are
    /// still complete: a replace also forgets the keys it removes.
    public func changes(
        against written: WrittenFields, force: Bool = false
    ) -> (operation: CrispOperation?, written: [String: String?]) {
        // Without a profile known to exist there is nothing to compare with: everything is written.
        if !written.profileExists && !written.digests.isEmpty { return changes(against: WrittenFields(), force: force) }
        let written = force ? written.forcing : written
        var record: [String: String?] = ["profile": "1"]
        switch self {
        case .profile(var upsert):
            upsert.person = Self.changed(upsert.person, prefix: "person.", written, &record)
            upsert.company = Self.changed(upsert.company, prefix: "company.", written, &record)
            upsert.segments = upsert.segments.filter { written["segment." + $0] != "1" }
            for segment in upsert.segments { record["segment." + segment] = "1" }
            if let notepad = upsert.notepad {
                let digest = WrittenFields.digest(.string(notepad))
                if written["notepad"] == digest { upsert.notepad = nil } else { record["notepad"] = digest }
            }
            if let active = upsert.active {
                let digest = WrittenFields.digest(.number(active))
                if written["active"] == digest { upsert.active = nil } else { record["active"] = digest }
            }
            let nothing =
                upsert.person == nil && upsert.company == nil && upsert.segments.isEmpty && upsert.notepad == nil
                && upsert.active == nil
            return (nothing && written.profileExists ? nil : .profile(upsert), record)
        case .data(var update):
            switch update.mode {
            case .merge:
                update.data = Self.changed(update.data, prefix: "data.", written, &record) ?? [:]
                update.unset = update.unset.filter { written["data." + $0] != WrittenFields.unsetDigest }
                for key in update.unset { record["data." + key] = WrittenFields.unsetDigest }
                return (update.data.isEmpty && update.unset.isEmpty ? nil : .data(update), record)
            case .replace:
                let known = Set(
                    written.digests.filter { $0.key.hasPrefix("data.") && $0.value != WrittenFields.unsetDigest }
                        .keys)
                let wanted = update.data.mapValues(WrittenFields.digest)
                for key in known where wanted["data." + String(key.dropFirst(5))] == nil {
                    record[key] = WrittenFields.unsetDigest
                }
                for (key, digest) in wanted { record["data." + key] = digest }
                let same =
                    known == Set(wanted.keys.map { "data." + $0 })
                    && wanted.allSatisfy { written["data." + $0.key] == $0.value }
                return (same && written.profileExists ? nil : .data(update), record)
            }
        case .segments(var change):
            change.add = change.add.filter { written["segment." + $0] != "1" }
            change.remove = change.remove.filter { written["segment." + $0] != "0" }
            for segment in change.add { record["segment." + segment] = "1" }
            for segment in change.remove { record["segment." + segment] = "0" }
            // Removing segments from a profile that does not exist creates nothing.
            if change.add.isEmpty { record["profile"] = nil }
            return (change.add.isEmpty && change.remove.isEmpty ? nil : .segments(change), record)
        case .event:
            return (self, record)
        case .conversation, .note, .http:
            // A conversation is compared with what it holds when written (`ConversationUpdate.patch(over:)`);
            // a note is posted once per source event.
            return (self, [:])
        }
    }

    /// The fields of `values` whose digest differs from what was written under `prefix` (nil when none), with
    /// their digests added to `record`.
    private static func changed(
        _ values: [String: JSONValue]?, prefix: String, _ written: WrittenFields, _ record: inout [String: String?]
    ) -> [String: JSONValue]? {
        guard let values else { return nil }
        var changed: [String: JSONValue] = [:]
        for (key, value) in values {
            let digest = WrittenFields.digest(value)
            if written[prefix + key] != digest {
                changed[key] = value
                record[prefix + key] = digest
            }
        }
        return changed.isEmpty ? nil : changed
    }
}
