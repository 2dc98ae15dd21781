import BridgeCore

/// What a claim saw around the event it took, in the same statement, so the worker need not ask again: whether
/// events of its order key wait right behind it (followers to take along), and, when its contact was known at the
/// claim, the nearest earlier pending event of that contact (the one it must wait for) and what was last written
/// to it.
public struct ClaimView: Sendable, Hashable {
    /// Whether pending events with its order key wait behind it.
    public var followersWaiting: Bool
    /// The nearest earlier pending event of its contact (the highest lower id), if any; meaningful only for the
    /// contact the event had when it was claimed.
    public var earlierOfContact: Int64?
    /// What crisp-bridge last wrote to its contact (`writtenFields`), field → digest, when its contact was known
    /// at the claim; nil when it was not.
    public var writtenFields: [String: String]?

    public init(followersWaiting: Bool, earlierOfContact: Int64?, writtenFields: [String: String]? = nil) {
        self.followersWaiting = followersWaiting
        self.earlierOfContact = earlierOfContact
        self.writtenFields = writtenFields
    }

    /// A view as `StoreRules.claimView` reads it: `writtenFields` the digests aggregated as a JSON object (nil
    /// or not an object: nothing written).
    init(followersWaiting: Bool, earlierOfContact: Int64?, writtenFields json: String?) {
        var fields: [String: String] = [:]
        if let json, case .object(let object)? = try? JSONValue.parse(json) {
            fields = object.compactMapValues(\.stringValue)
        }
        self.init(followersWaiting: followersWaiting, earlierOfContact: earlierOfContact, writtenFields: fields)
    }
}
