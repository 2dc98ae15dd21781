import GRDB

extension StoreStatement {
    /// The statement as GRDB runs it on SQLite.
    var sqlite: (sql: String, arguments: StatementArguments) {
        let (sql, values) = rendered(.sqlite)
        return (
            sql,
            StatementArguments(
                values.map { value -> (any DatabaseValueConvertible)? in
                    switch value {
                    case .integer(let integer): integer
                    case .real(let real): real
                    case .text(let text): text
                    case .bool(let bool): bool
                    case .null: nil
                    case .integers, .texts: preconditionFailure("SQLite binds a list one placeholder an item")
                    }
                })
        )
    }
}

extension Database {
    /// Runs a statement written once for both stores (`StoreRules`), from GRDB's statement cache.
    func execute(_ statement: StoreStatement) throws {
        let (sql, arguments) = statement.sqlite
        try prepared(sql, cached: statement.hasFixedText).execute(arguments: arguments)
    }

    /// The rows a statement written once for both stores returns (`RETURNING`, `SELECT`).
    func rows(_ statement: StoreStatement) throws -> [Row] {
        let (sql, arguments) = statement.sqlite
        return try Row.fetchAll(prepared(sql, cached: statement.hasFixedText), arguments: arguments)
    }

    /// A statement from GRDB's cache when its text is always the same; one whose text varies (a list of ids, of
    /// fields) is prepared for the one use, so the cache does not grow with every length.
    private func prepared(_ sql: String, cached: Bool) throws -> Statement {
        cached ? try cachedStatement(sql: sql) : try makeStatement(sql: sql)
    }
}
