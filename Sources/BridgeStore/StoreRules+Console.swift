import Foundation

/// The read-side statements of the console and the admin API's queries (filters, counts, failures grouped, the
/// overview, the audit log), written once for both stores. A count by pipeline of the events in one status names
/// the index on status for SQLite: its planner would rather walk the whole index on pipeline to skip the sort of
/// the grouping (half a second at a million events, against milliseconds).
extension StoreRules {
    /// `FROM events … WHERE …` for `filter`, without order or limit (shared by the list, its count and a bulk
    /// replay's selection). A field of the request joins the requests and reads their JSON.
    static func eventConditions(_ filter: EventFilter) -> StoreStatement {
        var statement: StoreStatement =
            filter.readsRequests
            ? "FROM events JOIN requests ON requests.id = events.request_id WHERE 1 = 1" : "FROM events WHERE 1 = 1"
        if let status = filter.status { statement = statement + " AND events.status = \(status.rawValue)" }
        if let pipeline = filter.pipeline { statement = statement + " AND events.pipeline = \(pipeline)" }
        if let pipelines = filter.pipelines { statement = statement + " AND events.pipeline \(in: pipelines)" }
        if let contact = filter.contact { statement = statement + " AND events.contact = \(contact.lowercased())" }
        if let dedupe = filter.dedupeID { statement = statement + " AND events.dedupe_id = \(dedupe)" }
        if let errors = filter.lastErrors { statement = statement + " AND events.last_error \(in: errors)" }
        if let since = filter.since {
            statement = statement + " AND events.created_at >= \(since.timeIntervalSince1970)"
        }
        if let until = filter.until {
            statement = statement + " AND events.created_at < \(until.timeIntervalSince1970)"
        }
        if let before = filter.before { statement = statement + " AND events.id < \(before)" }
        if let after = filter.after { statement = statement + " AND events.id > \(after)" }
        if let ids = filter.ids { statement = statement + " AND events.id \(in: ids)" }
        if let field = filter.field { statement = statement + " AND " + matches(field) }
        return statement
    }

    /// The condition that a stored request's field equals the value, ignoring case. A body that is not JSON (or
    /// not UTF-8) has no field: SQLite checks `json_valid` first, PostgreSQL reads it through
    /// `crisp_bridge_json`, which answers null for it (migration 8).
    static func matches(_ field: RequestField) -> StoreStatement {
        let value = field.value.lowercased()
        switch field.part {
        case .body:
            return prefilter(field) + """
                lower(\(only: .sqlite, "CAST(json_extract(CASE WHEN json_valid(CAST(requests.body AS TEXT)) THEN CAST(requests.body AS TEXT) END, ")\(only: .postgres, "crisp_bridge_json(requests.body) #>> CAST(")\(sqlite: field.sqlitePath, postgres: field.postgresPath)\(only: .sqlite, ") AS TEXT)")\(only: .postgres, " AS text[])")) = \(value)
                """
        case .headers:
            return """
                lower(\(only: .sqlite, "json_extract(requests.headers, ")\(only: .postgres, "CAST(requests.headers AS jsonb) ->> CAST(")\(sqlite: field.sqlitePath, postgres: field.path[0])\(only: .sqlite, ")")\(only: .postgres, " AS text)")) = \(value)
                """
        }
    }

    /// A cheap first test of a body for a value made only of characters no JSON encoder escapes (letters,
    /// digits, `@._-`: an email, an id; `+` is left out, some encoders write it `\u002B`):
    /// its bytes must contain it, ignoring ASCII case. Only the bodies that do are parsed as JSON (what makes a
    /// field search of a window of 10,000 events take milliseconds rather than a second on PostgreSQL, whose
    /// JSON parse of a body that may not be JSON needs an exception block). Empty for other values.
    static func prefilter(_ field: RequestField) -> StoreStatement {
        let value = field.value.lowercased()
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "@._-".contains($0)) })
        else { return "" }
        return """
            \(only: .sqlite, "instr(lower(CAST(requests.body AS TEXT)), ")\(only: .postgres, "strpos(lower(convert_from(requests.body, 'LATIN1')), ")\(value)) > 0
            """ + " AND "
    }

    /// The events `filter` selects, newest first (by id, so an index with the id pages through them).
    static func events(_ filter: EventFilter) -> StoreStatement {
        "SELECT events.* " + eventConditions(filter) + " ORDER BY events.id DESC LIMIT \(max(1, filter.limit))"
    }

    /// How many events `filter` selects, whatever its limit.
    static func countEvents(_ filter: EventFilter) -> StoreStatement {
        "SELECT COUNT(*) AS n " + eventConditions(filter)
    }

    /// The numbers of the events `filter` selects, newest first, up to its limit.
    static func eventIDs(_ filter: EventFilter) -> StoreStatement {
        "SELECT events.id AS id " + eventConditions(filter) + " ORDER BY events.id DESC LIMIT \(max(1, filter.limit))"
    }

    /// The number of the newest event.
    static let latestEventID: StoreStatement = "SELECT MAX(id) AS id FROM events"

    /// The dead events by pipeline and last error: how many, first and last seen (through the index on status).
    static let deadByError: StoreStatement = """
        SELECT pipeline, last_error, COUNT(*) AS n, MIN(updated_at) AS first_at, MAX(updated_at) AS last_at
        FROM events\(only: .sqlite, " INDEXED BY events_status_id") WHERE status = 'dead' GROUP BY pipeline, last_error
        """

    /// Events received since `dayStart` by pipeline, and how many of them since `hourStart`.
    static func received(dayStart: Double, hourStart: Double) -> StoreStatement {
        """
        SELECT pipeline, COUNT(*) AS day, CAST(SUM(CASE WHEN created_at >= \(hourStart) THEN 1 ELSE 0 END) AS BIGINT)
            AS hour FROM events\(only: .sqlite, " INDEXED BY events_created") WHERE created_at >= \(dayStart) GROUP BY pipeline
        """
    }

    /// Attempts made since `dayStart` by pipeline and outcome, and how many of them since `hourStart`.
    static func outcomes(dayStart: Double, hourStart: Double) -> StoreStatement {
        """
        SELECT events.pipeline AS pipeline, attempts.outcome AS outcome, COUNT(*) AS day,
            CAST(SUM(CASE WHEN attempts.at >= \(hourStart) THEN 1 ELSE 0 END) AS BIGINT) AS hour
        FROM attempts JOIN events ON events.id = attempts.event_id
        WHERE attempts.at >= \(dayStart) GROUP BY events.pipeline, attempts.outcome
        """
    }

    /// The events dead now by pipeline that died since `dayStart`, and how many of them since `hourStart`
    /// (through the index on status: dead events are few).
    static func deadNow(dayStart: Double, hourStart: Double) -> StoreStatement {
        """
        SELECT pipeline, COUNT(*) AS day, CAST(SUM(CASE WHEN updated_at >= \(hourStart) THEN 1 ELSE 0 END) AS BIGINT)
            AS hour FROM events\(only: .sqlite, " INDEXED BY events_status_id")
        WHERE status = 'dead' AND updated_at >= \(dayStart) GROUP BY pipeline
        """
    }

    /// Delivered attempts since `since`, by minute (seconds since 1970 / 60).
    static func deliveredPerMinute(since: Double) -> StoreStatement {
        """
        SELECT \(only: .sqlite, "CAST(at / 60 AS INTEGER)")\(only: .postgres, "CAST(FLOOR(at / 60) AS BIGINT)") AS minute,
            COUNT(*) AS n FROM attempts WHERE at >= \(since) AND outcome = 'done' GROUP BY 1
        """
    }

    /// The pending events by pipeline: how many, and when the oldest was received.
    static let backlog: StoreStatement = """
        SELECT pipeline, COUNT(*) AS n, MIN(created_at) AS oldest FROM events\(only: .sqlite, " INDEXED BY events_status_id")
        WHERE status = 'pending' GROUP BY pipeline
        """

    /// Writes an entry of the audit log; returns its number.
    static func audit(_ entry: AuditEntry) -> StoreStatement {
        """
        INSERT INTO audit_log (at, actor, action, detail, count)
        VALUES (\(entry.at.timeIntervalSince1970), \(entry.actor), \(entry.action), \(entry.detail), \(entry.count))
        RETURNING id
        """
    }

    /// The newest `limit` entries of the audit log, newest first.
    static func auditEntries(limit: Int) -> StoreStatement {
        "SELECT * FROM audit_log ORDER BY id DESC LIMIT \(limit)"
    }
}

extension StoreRules {
    /// What the console adds to the schema (SQLite's types; PostgreSQL's migration maps them): indexes that let
    /// a filtered list walk by id (by status or pipeline with the id; a contact's few events come through the
    /// index on contact and status), count a day's events by pipeline
    /// from the index alone, and sum the day's attempts; and the audit log.
    static let consoleSchema = [
        "CREATE INDEX events_status_id ON events(status, id)",
        "CREATE INDEX events_pipeline_id ON events(pipeline, id)",
        "CREATE INDEX events_created ON events(created_at, pipeline)",
        "CREATE INDEX attempts_at ON attempts(at)",
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            detail TEXT NOT NULL, count INTEGER NOT NULL)
        """,
    ]
}
