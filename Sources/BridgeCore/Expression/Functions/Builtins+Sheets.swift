extension Builtins {
    /// Functions for Google Sheets answers and the poll that reads only a sheet's new rows.
    static let sheets: [BuiltinFunction] = [
        BuiltinFunction(
            "sheet_rows(answer, after)", arity: 1...2,
            "The rows of a Google Sheets answer as objects by column name, each with `_row`, its row number in the "
                + "sheet (the header is row 1). The answer is a `values` list (`values.get`: the first row the "
                + "header) or a `batchGet` answer (`valueRanges`: the first range holds the header, each range "
                + "starts at the row its `range` names). Only rows numbered above `after` are given (a row number "
                + "or a `sheet_cursor`; all when it is `null`); empty rows are left out, missing cells are empty "
                + "text and columns without a name are skipped.",
            examples: [
                (
                    #"sheet_rows([["Email", "Name"], ["ada@example.com", "Ada"], ["bob@example.com"]], 2)"#,
                    #"[{"Email":"bob@example.com","Name":"","_row":3}]"#
                ),
                (
                    #"sheet_rows({valueRanges: [{range: "Leads!A1:B1", values: [["Email", "Name"]]}, {range: "Leads!A7:B1000", values: [["ada@example.com", "Ada"], ["bob@example.com", "Bob"]]}]}, {row: 7})"#,
                    #"[{"Email":"bob@example.com","Name":"Bob","_row":8}]"#
                ),
                (#"sheet_rows(null)"#, "[]"),
            ]
        ) { args throws(FunctionError) in
            // Each range's rows with their numbers in the sheet.
            var numbered: [(row: Int, cells: JSONValue)] = []
            switch args[0] {
            case .null:
                return .array([])
            case .array(let rows):
                numbered = rows.enumerated().map { ($0.offset + 1, $0.element) }
            case .object(let answer):
                for range in answer["valueRanges"]?.arrayValue ?? [] {
                    let first = range["range"].stringValue.map(SheetRange.firstRow) ?? 1
                    for (i, row) in (range["values"].arrayValue ?? []).enumerated() {
                        numbered.append((first + i, row))
                    }
                }
            default:
                throw .type("a list of rows or a batchGet answer", argument: 1, got: args[0])
            }
            guard let header = numbered.first, header.row == 1 else { return .array([]) }
            let after: Int
            switch args.count > 1 ? args[1] : .null {
            case .null: after = 0
            case .number(let n) where n.isFinite && abs(n) < 1e15: after = Int(n)
            case .string(let s) where Int(s) != nil: after = Int(s)!
            case .object(let o) where SheetRange.Cursor(.object(o)) != nil: after = SheetRange.Cursor(.object(o))!.row
            default: throw .type("a row number or a sheet_cursor", argument: 2, got: args[1])
            }
            guard case .array(let names) = header.cells else {
                throw FunctionError("argument 1 must be a list of rows")
            }
            var out: [JSONValue] = []
            for (number, row) in numbered.dropFirst() where number > after && number > 1 {
                guard case .array(let cells) = row else { throw FunctionError("argument 1 must be a list of rows") }
                if cells.allSatisfy({ $0.isBlank }) { continue }
                var object: [String: JSONValue] = ["_row": .number(Double(number))]
                for (column, name) in names.enumerated() {
                    guard let name = name.stringValue, !name.isEmpty else { continue }
                    object[name] = column < cells.count ? cells[column] : .string("")
                }
                out.append(.object(object))
            }
            return .array(out)
        },
        BuiltinFunction(
            "sheet_poll_ranges(range, cursor)", arity: 2...2,
            "The ranges a Google Sheets poll reads with `values:batchGet` (a list: the query parameter `ranges` once "
                + "each): the whole `range` on the first poll, every 60th poll and after rows were deleted; else "
                + "only the header row and the rows from the last one seen (`cursor`, from `sheet_cursor`). A range "
                + "without columns (`Leads`) is always read whole.",
            examples: [
                (#"sheet_poll_ranges("Leads!A:Z", null)"#, #"["Leads!A1:Z"]"#),
                (#"sheet_poll_ranges("Leads!A:Z", {row: 50001, polls: 1})"#, #"["Leads!A1:Z1","Leads!A50001:Z"]"#),
                (#"sheet_poll_ranges("Leads!A:Z", {row: 50001, polls: 60})"#, #"["Leads!A1:Z"]"#),
            ]
        ) { args throws(FunctionError) in
            guard let text = try Arguments.string(args, 0) else { return .null }
            return .array(SheetRange(text).pollRanges(after: SheetRange.Cursor(args[1])).map { .string($0) })
        },
        BuiltinFunction(
            "sheet_cursor(answer, cursor)", arity: 2...2,
            "The cursor of a Google Sheets poll after its `batchGet` answer (for `sheet_poll_ranges`): "
                + "`{row, polls}`, the last row seen and the polls since the last full read; `full: true` when "
                + "the last row seen was gone (rows deleted above it: the next poll reads the whole range). A "
                + "full read sets `row` to the rows there are.",
            examples: [
                (
                    #"sheet_cursor({valueRanges: [{range: "Leads!A1:Z1000", values: [["Email"], ["a@x.io"], ["b@x.io"]]}]}, null)"#,
                    #"{"polls":1,"row":3}"#
                ),
                (
                    #"sheet_cursor({valueRanges: [{range: "Leads!A1:Z1"}, {range: "Leads!A3:Z1000", values: [["b@x.io"], ["c@x.io"]]}]}, {row: 3, polls: 1})"#,
                    #"{"polls":2,"row":4}"#
                ),
                (
                    #"sheet_cursor({valueRanges: [{range: "Leads!A1:Z1"}, {range: "Leads!A3:Z1000"}]}, {row: 3, polls: 2})"#,
                    #"{"full":true,"polls":3,"row":3}"#
                ),
            ]
        ) { args throws(FunctionError) in
            let ranges = args[0]["valueRanges"].arrayValue ?? []
            return SheetRange.cursor(after: ranges, previous: SheetRange.Cursor(args[1])).json
        },
    ]
}
