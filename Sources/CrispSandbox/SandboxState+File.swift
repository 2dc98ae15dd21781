import BridgeCore
import Foundation

extension SandboxState {
    /// A sandbox whose profiles and conversations live in `file` (JSON): read now when it exists, written by `saveIfChanged()`.
    /// With `reset`, the file is emptied first.
    public convenience init(file: String, reset: Bool = false) throws(SandboxError) {
        self.init(storedIn: file)
        let manager = FileManager.default
        if reset { try? manager.removeItem(atPath: file) }
        guard manager.fileExists(atPath: file) else { return }
        let profiles: [SandboxProfile]
        var conversations: [SandboxConversation] = []
        do {
            let root = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: file)))
            guard case .array(let items) = root["profiles"] else {
                throw SandboxError(500, "bad_state", "has no profiles list")
            }
            profiles = try items.map { item throws(SandboxError) in
                guard let profile = SandboxProfile(stored: item) else {
                    throw SandboxError(500, "bad_state", "holds a profile it cannot read: \(item.jsonText.prefix(200))")
                }
                return profile
            }
            for item in root["conversations"].arrayValue ?? [] {
                guard let conversation = SandboxConversation(stored: item) else {
                    throw SandboxError(
                        500, "bad_state", "holds a conversation it cannot read: \(item.jsonText.prefix(200))")
                }
                conversations.append(conversation)
            }
        } catch let error as SandboxError {
            throw SandboxError(
                500, "bad_state", "the sandbox state \(file) \(error.message); move it away or use --sandbox-reset")
        } catch {
            throw SandboxError(
                500, "bad_state",
                "the sandbox state \(file) cannot be read (\(error)); move it away or use --sandbox-reset")
        }
        storage.withLock { s in
            for profile in profiles {
                s.profiles[profile.peopleID] = profile
                s.idByEmail[profile.email.lowercased()] = profile.peopleID
            }
            for conversation in conversations { s.conversations[conversation.sessionID] = conversation }
        }
    }

    /// Writes the profiles to `file` when they changed since the last write (atomically: a crash leaves the
    /// previous file). The request log is not kept.
    public func saveIfChanged() throws {
        guard let file, changed.exchange(false, ordering: .relaxed) else { return }
        let (profiles, conversations) = storage.withLock { s in
            (
                s.profiles.values.sorted { $0.createdAt < $1.createdAt },
                s.conversations.values.sorted { $0.createdAt < $1.createdAt }
            )
        }
        let text = JSONValue.object([
            "profiles": .array(profiles.map(\.stored)), "conversations": .array(conversations.map(\.stored)),
        ]).jsonText
        let folder = (file as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            changed.store(true, ordering: .relaxed)  // try again next time
            throw error
        }
    }
}
