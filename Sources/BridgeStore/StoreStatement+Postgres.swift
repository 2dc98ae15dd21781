import PostgresNIO

extension StoreStatement {
    /// The statement as PostgresNIO sends it, every value bound.
    var postgres: PostgresQuery {
        let (sql, values) = rendered(.postgres)
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            case .text(let text): binds.append(text)
            case .bool(let bool): binds.append(bool)
            case .null: binds.appendNull()
            case .integers(let ids): binds.append(ids)
            case .texts(let texts): binds.append(texts)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
