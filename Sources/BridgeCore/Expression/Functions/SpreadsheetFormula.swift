/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`, `@SUM(…)`, `+…`, `-…`):
/// written to a CSV a person opens, it is neutralised as OWASP's CSV-injection rule says, by a leading `'`, so
/// the spreadsheet shows it as text. A number or a phone number (`-5`, `+33 6 12 34 56 78`) is left as it is.
public enum SpreadsheetFormula {
    /// `cell`, prefixed with `'` when a spreadsheet would take it for a formula.
    public static func neutralised(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first else { return cell }
        switch first {
        case "=", "@", "\t", "\r", "\n":
            return "'" + cell
        case "+", "-":
            // A signed number or a phone number is data; anything else after the sign may be a formula.
            let rest = cell.unicodeScalars.dropFirst()
            let numeric = !rest.isEmpty && rest.allSatisfy { "0123456789 .,()-/".unicodeScalars.contains($0) }
            return numeric ? cell : "'" + cell
        default:
            return cell
        }
    }
}
