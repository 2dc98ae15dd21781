extension StoreRules {
    /// The table of conversation writes (`ConversationWriteLedger`), by session and time.
    static let conversationWritesSchema = [
        "CREATE TABLE conversation_writes (session TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX conversation_writes_session ON conversation_writes(session, at)",
    ]

    /// The count of writes to `session` since `since`.
    static func conversationWrites(session: String, since: Double) -> StoreStatement {
        "SELECT COUNT(*) AS writes FROM conversation_writes WHERE session = \(session) AND at >= \(since)"
    }

    /// Records a write, and forgets those older than the guard's window (the index on `at` is its second
    /// column: the sweep reads the whole small table, which holds one window of writes).
    static func recordConversationWrite(session: String, at: Double, forgetBefore: Double) -> [StoreStatement] {
        [
            "DELETE FROM conversation_writes WHERE at < \(forgetBefore)",
            "INSERT INTO conversation_writes (session, at) VALUES (\(session), \(at))",
        ]
    }
}
