import Synchronization

/// How many events one worker delivered (or planned), read while it runs.
final class DeliveryTally: Sendable {
    private let count = Atomic<Int>(0)

    func add() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
