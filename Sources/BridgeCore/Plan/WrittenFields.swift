import Crypto
import Foundation

/// What crisp-bridge last wrote to one contact in Crisp, field by field, as digests: `profile` (the profile
/// exists), `person.<field>`, `company.<field>`, `notepad`, `active`, `data.<key>` (`∅` once unset) and
/// `segment.<name>` (`1` added, `0` removed).
///
/// The store keeps it per contact and updates it in the same transaction as the delivery's progress, so an
/// operation whose values all equal what was last written successfully is not sent again
/// (`CrispOperation.changes(against:)`). A value changed in Crisp by someone else is not overwritten by an
/// unchanged event; `always_write: true` and `events replay --force` send everything.
public struct WrittenFields: Sendable, Hashable {
    /// Field name → digest of the value last written.
    public private(set) var digests: [String: String]

    /// The digest a removed custom-data key has.
    public static let unsetDigest = "∅"

    /// Every field compares as changed (`forcing`).
    private var forced = false

    public init(_ digests: [String: String] = [:]) {
        self.digests = digests
    }

    /// Whether crisp-bridge has written to this contact before: its profile exists in Crisp.
    public var profileExists: Bool { !forced && digests["profile"] == "1" }

    /// When crisp-bridge last saw one of its Crisp events to this contact go through (`event.posted`, UNIX
    /// milliseconds of its own clock). After a crash, an identical event Crisp shows from before then is an
    /// earlier one, not the one in doubt.
    public var lastEventPosted: Date? {
        digests[Self.eventPostedField].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
    }

    /// The change that records an event seen through at `date` (see `lastEventPosted`).
    public static func eventPosted(at date: Date) -> [String: String?] {
        [eventPostedField: String(Int64((date.timeIntervalSince1970 * 1000).rounded(.up)))]
    }

    static let eventPostedField = "event.posted"

    /// The digest last written for `field` (nil when unknown, and always when forcing).
    public subscript(field: String) -> String? { forced ? nil : digests[field] }

    /// These fields with every value comparing as changed, the digests kept to know which keys a replace
    /// removes.
    var forcing: WrittenFields {
        var copy = self
        copy.forced = true
        return copy
    }

    /// Applies what an operation wrote (a nil digest forgets the field).
    public mutating func apply(_ changes: [String: String?]) {
        for (field, digest) in changes { digests[field] = digest }
    }

    /// The digest of a value: its compact JSON text (keys sorted) when short, else a SHA-256 prefix of it.
    public static func digest(_ value: JSONValue) -> String {
        let text = value.jsonText
        guard text.utf8.count > 48 else { return text }
        let hash = SHA256.hash(data: Data(text.utf8))
        return "sha256:" + hash.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
