/// How the columns of a CSV file's header become the fields a pipeline reads, the way Crisp's own importer
/// places them: a column is matched to a field whatever its case, spaces, `-`, `_` and `.` (`E-mail`, `First
/// Name`), or by a common synonym (`Email Address`, `Surname`, `Tags`); `data.KEY` columns stay as they are; a
/// mapping given by the user (`--map "Column=field"`, or the pipeline's `mapping:`) comes first. Only the fields
/// the pipeline declares (`trigger.csv.fields`) are matched; without them, columns keep their names.
public struct CSVColumnMapping: Sendable, Equatable {
    /// How a column was placed.
    public enum Placement: String, Sendable, Equatable {
        /// Its name is the field's.
        case same
        /// Its name is the field's written otherwise (case, spaces, `-`, `_`), or a synonym of it.
        case matched
        /// The user's mapping (`--map`, `mapping:`) names it.
        case given
        /// A `data.KEY` column: custom data, under its own name.
        case data
        /// Not one of the pipeline's fields (or one another column fills better): left out of the fields.
        case ignored
        /// Left out by the user's mapping (`--map "Column="`).
        case left
    }

    /// One column of the header and the field it fills (nil: ignored).
    public struct Column: Sendable, Equatable {
        public let header: String
        public let field: String?
        public let placement: Placement
    }

    /// Every column of the header, in its order.
    public let columns: [Column]

    /// Places each column of `header`. `fields` are the fields the pipeline reads (empty: columns keep their
    /// names); `given` maps a column (as written in the header) to a field, or to "" to ignore it.
    public init(header: [String], fields: [String], given: [String: String]) throws(BridgeCoreError) {
        let known = Set(fields)
        for (column, field) in given.sorted(by: { $0.key < $1.key }) {
            guard header.contains(column) else {
                throw BridgeCoreError(
                    .mapping,
                    "the mapping names the column '\(column)', which the header does not have (it has: \(header.joined(separator: ", ")))"
                )
            }
            guard field.isEmpty || known.isEmpty || known.contains(field) || field.hasPrefix("data.") else {
                throw BridgeCoreError(
                    .mapping,
                    "the mapping puts the column '\(column)' into '\(field)', which is not a field of the pipeline: use one of \(fields.joined(separator: ", ")), data.KEY, or nothing to ignore the column"
                )
            }
        }
        var byField: [String: (header: String, rank: Int)] = [:]
        var placed: [Column] = []
        for name in header {
            let column: Column
            if let field = given[name] {
                column = Column(
                    header: name, field: field.isEmpty ? nil : field, placement: field.isEmpty ? .left : .given)
            } else if name.hasPrefix("data.") {
                column = Column(header: name, field: name, placement: .data)
            } else if known.isEmpty || known.contains(name) {
                column = Column(header: name, field: name, placement: .same)
            } else if let field = Self.field(for: name, among: known) {
                column = Column(header: name, field: field, placement: .matched)
            } else {
                column = Column(header: name, field: nil, placement: .ignored)
            }
            if let field = column.field {
                // The user's choice first, then a column named as the field, then one matched to it.
                let rank = column.placement == .given ? 0 : column.placement == .matched ? 2 : 1
                if let other = byField[field] {
                    if other.rank == rank {
                        throw BridgeCoreError(
                            .mapping,
                            "the columns '\(other.header)' and '\(name)' both fill '\(field)': say which one with --map \"\(name)=\" (to ignore it) or --map \"\(other.header)=\""
                        )
                    }
                    if other.rank < rank {
                        placed.append(Column(header: name, field: nil, placement: .ignored))
                        continue
                    }
                    if let index = placed.firstIndex(where: { $0.header == other.header }) {
                        placed[index] = Column(header: other.header, field: nil, placement: .ignored)
                    }
                }
                byField[field] = (name, rank)
            }
            placed.append(column)
        }
        columns = placed
    }

    /// Whether every column keeps its own name (nothing matched, given or ignored).
    public var isIdentity: Bool { columns.allSatisfy { $0.placement == .same || $0.placement == .data } }

    /// The field of the column at `index`, or the column's own name when it is ignored (a pipeline can still
    /// read it as `event["Column Name"]`).
    public func key(at index: Int) -> String {
        columns[index].field ?? columns[index].header
    }

    /// The fields among `required` that no column fills.
    public func missing(_ required: [String]) -> [String] {
        let filled = Set(columns.compactMap(\.field))
        return required.filter { !filled.contains($0) }
    }

    /// The mapping as `import --dry-run` prints it: a line per column.
    public var description: String {
        columns.map { column in
            switch column.placement {
            case .ignored:
                "  \(column.header) → ignored (not a field of the pipeline, or another column fills it; --map \"\(column.header)=FIELD\" to use it)"
            case .left: "  \(column.header) → ignored (mapping)"
            case .given: "  \(column.header) → \(column.field ?? "") (mapping)"
            case .same, .data, .matched: "  \(column.header) → \(column.field ?? "")"
            }
        }.joined(separator: "\n")
    }

    /// A column name reduced to what tells it apart: lower case, without spaces, `-`, `_` and `.`.
    public static func normalized(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !" -_.\t".unicodeScalars.contains($0) }.map(Character.init))
    }

    /// The field among `known` that `name` names: the field written otherwise, or one of its synonyms.
    static func field(for name: String, among known: Set<String>) -> String? {
        let key = normalized(name)
        if let field = known.first(where: { normalized($0) == key }) { return field }
        if let field = synonyms[key], known.contains(field) { return field }
        return nil
    }

    /// Common names of Crisp's contact fields in exports from CRMs, mailing tools and spreadsheets (normalized).
    static let synonyms: [String: String] = {
        let groups: [String: [String]] = [
            "email": ["e-mail", "email address", "e-mail address", "mail", "email id", "work email", "primary email"],
            "first_name": ["first name", "firstname", "given name", "forename", "first"],
            "last_name": ["last name", "lastname", "surname", "family name", "last"],
            "full_name": ["full name", "name", "contact name", "display name"],
            "nickname": ["nick name", "nick"],
            "phone": [
                "phone number", "mobile", "mobile phone", "mobile number", "telephone", "tel", "cell", "cell phone",
                "phone 1",
            ],
            "company": [
                "company name", "organisation", "organization", "organisation name", "organization name",
                "org", "account name", "business name",
            ],
            "company_url": ["company website", "company url", "company site"],
            "company_domain": ["company domain", "domain"],
            "website": ["web site", "url", "web", "homepage"],
            "job_title": ["job title", "title", "position"],
            "job_role": ["job role", "role", "department"],
            "city": ["town"],
            "region": ["state", "province", "state/province", "county"],
            "country": ["country name", "country code", "nation"],
            "segments": ["segment", "tags", "tag", "labels", "label", "lists", "list", "groups"],
            "notepad": ["notes", "note", "comments", "comment"],
            "created_at": ["created", "created date", "date created", "date added", "signup date", "sign up date"],
            "last_active": ["last seen", "last activity", "last active date"],
            "avatar": ["avatar url", "photo", "picture", "profile picture", "image"],
            "gender": ["sex"],
            "address": ["street address", "street", "address 1", "address line 1"],
        ]
        var table: [String: String] = [:]
        for (field, names) in groups { for name in names { table[normalized(name)] = field } }
        return table
    }()
}
