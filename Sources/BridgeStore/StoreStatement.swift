import BridgeCore
import Foundation

/// One SQL statement and the values it binds, written once for both stores (see `StoreRules`). Each store renders
/// it in its own dialect: `?` placeholders and `IN (?, …)` lists for SQLite, `$1`… and `= ANY($n)` for PostgreSQL.
///
/// Values go in by interpolation and are always bound, never spliced into the text:
/// `"UPDATE events SET lease_until = \(until) WHERE id \(in: ids)"`.
struct StoreStatement: Sendable, ExpressibleByStringInterpolation {
    /// A bound value.
    enum Value: Sendable, Equatable {
        case integer(Int64)
        case real(Double)
        case text(String)
        case bool(Bool)
        case null
        /// A list, bound as one array on PostgreSQL and one placeholder an item on SQLite.
        case integers([Int64])
        case texts([String])
    }

    /// The two dialects the stores speak.
    enum Dialect: Sendable {
        case sqlite
        case postgres
    }

    enum Piece: Sendable {
        case text(String)
        case value(Value)
        /// `IN (…)` on SQLite, `= ANY(…)` on PostgreSQL, of a list value (`integers` or `texts`).
        case membership(Value)
        /// Membership in a list bound as one value whatever its length, so the text stays the same (a cached
        /// statement): `IN (SELECT value FROM json_each(?))` on SQLite, `= ANY($n)` on PostgreSQL.
        case fixedMembership([String])
        /// Text only one dialect needs (PostgreSQL's row locks, say).
        case only(Dialect, String)
        /// A value each dialect gets in its own form (a JSON path, say).
        case choice(sqlite: Value, postgres: Value)
    }

    var pieces: [Piece]

    init(stringLiteral value: String) { pieces = [.text(value)] }

    init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        init(literalCapacity: Int, interpolationCount: Int) {}

        mutating func appendLiteral(_ literal: String) { pieces.append(.text(literal)) }

        mutating func appendInterpolation(_ value: Int64?) {
            pieces.append(.value(value.map { .integer($0) } ?? .null))
        }

        mutating func appendInterpolation(_ value: Int?) {
            pieces.append(.value(value.map { .integer(Int64($0)) } ?? .null))
        }

        mutating func appendInterpolation(_ value: Double?) { pieces.append(.value(value.map { .real($0) } ?? .null)) }

        mutating func appendInterpolation(_ value: String?) { pieces.append(.value(value.map { .text($0) } ?? .null)) }

        mutating func appendInterpolation(_ value: Bool) { pieces.append(.value(.bool(value))) }

        /// A membership test of `ids`: `id \(in: ids)`.
        mutating func appendInterpolation(in ids: [Int64]) { pieces.append(.membership(.integers(ids))) }

        /// A membership test of `texts`: `field \(in: names)`.
        mutating func appendInterpolation(in texts: [String]) { pieces.append(.membership(.texts(texts))) }

        /// A membership test of `texts` whose statement text does not depend on how many there are:
        /// `field \(among: names)` (for statements that run often with the same list).
        mutating func appendInterpolation(among texts: [String]) { pieces.append(.fixedMembership(texts)) }

        /// A value bound in the form each dialect reads: `\(sqlite: "$.\"a\"", postgres: "{\"a\"}")`.
        mutating func appendInterpolation(sqlite: String, postgres: String) {
            pieces.append(.choice(sqlite: .text(sqlite), postgres: .text(postgres)))
        }

        /// Text that only `dialect` reads.
        mutating func appendInterpolation(only dialect: Dialect, _ text: String) {
            pieces.append(.only(dialect, text))
        }
    }

    /// This statement followed by `other` (a list of rows, a condition).
    static func + (statement: StoreStatement, other: StoreStatement) -> StoreStatement {
        var joined = statement
        joined.pieces += other.pieces
        return joined
    }

    /// Whether the statement's text is the same whatever its values (no list whose length varies).
    var hasFixedText: Bool {
        !pieces.contains { if case .membership = $0 { true } else { false } }
    }

    /// The statement's text in `dialect`, and the values its placeholders bind, in order.
    func rendered(_ dialect: Dialect) -> (sql: String, values: [Value]) {
        var sql = ""
        var values: [Value] = []
        func placeholder(_ value: Value) -> String {
            values.append(value)
            return dialect == .sqlite ? "?" : "$\(values.count)"
        }
        for piece in pieces {
            switch piece {
            case .text(let text): sql += text
            case .value(let value): sql += placeholder(value)
            case .membership(let list):
                switch dialect {
                case .sqlite:
                    let items: [Value] =
                        switch list {
                        case .integers(let ids): ids.map { .integer($0) }
                        case .texts(let texts): texts.map { .text($0) }
                        default: [list]
                        }
                    sql += items.isEmpty ? "IN (NULL)" : "IN (" + items.map(placeholder).joined(separator: ", ") + ")"
                case .postgres: sql += "= ANY(\(placeholder(list)))"
                }
            case .fixedMembership(let texts):
                switch dialect {
                case .sqlite:
                    let list = "[" + texts.map { JSONValue.string($0).jsonText }.joined(separator: ",") + "]"
                    sql += "IN (SELECT value FROM json_each(\(placeholder(.text(list)))))"
                case .postgres: sql += "= ANY(\(placeholder(.texts(texts))))"
                }
            case .only(let only, let text): if only == dialect { sql += text }
            case .choice(let sqlite, let postgres): sql += placeholder(dialect == .sqlite ? sqlite : postgres)
            }
        }
        return (sql, values)
    }
}
