import Metrics

/// Counts the store's transactions (`crisp_bridge_store_transactions_total{store, kind}`): each one is a round
/// trip to the database and, on SQLite, a hand-off to its writer or reader thread, so their number per delivered
/// event is what `scripts/bench` reports as the cost of the delivery path.
enum StoreTransactions {
    /// A read or write transaction (a single statement is its own transaction) began on `store`.
    static func count(_ store: String, _ kind: String) {
        Counter(label: "crisp_bridge_store_transactions_total", dimensions: [("store", store), ("kind", kind)])
            .increment()
    }
}
