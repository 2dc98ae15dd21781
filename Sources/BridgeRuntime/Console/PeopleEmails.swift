import Synchronization

/// The emails of the Crisp people ids the console looked up: a people id names one contact, and each lookup
/// costs a request of Crisp's daily quota. At most 1,000 are kept (then it starts again).
final class PeopleEmails: Sendable {
    private let known = Mutex<[String: String]>([:])

    func email(of peopleID: String) -> String? { known.withLock { $0[peopleID.lowercased()] } }

    func keep(_ email: String, for peopleID: String) {
        known.withLock {
            if $0.count >= 1000 { $0.removeAll() }
            $0[peopleID.lowercased()] = email
        }
    }
}
