/// One cell of a CSV row CRMHub writes. The kind is stated by the code that builds the row, never guessed from
/// the content: a payer named `-2+3` is text, an amount of `-1500.00` is a number.
public enum CSVCell: Sendable, Equatable {
    /// Text that may come from data (names, purposes, references): protected against formula injection.
    case text(String)
    /// A number the code formatted itself (an amount, a count): written as given so that spreadsheet
    /// programs read it as a number. Anything that is not a plain decimal (`-?digits[.digits]`) is written as
    /// `.text` instead, so a mislabelled value can never carry a formula.
    case number(String)
}

extension CSVText {
    /// Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or, for tab and
    /// carriage return, hide a formula behind leading white space): the OWASP CSV-injection list. Compared as
    /// Unicode scalars, because Swift reads CR LF as one `Character` that is not `"\r"`.
    public static let formulaStarters: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// One CSV record (RFC 4180: fields joined by commas, ended by CR LF).
    public static func line(_ cells: [CSVCell]) -> String {
        cells.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field as written. Every text cell of every CSV CRMHub writes goes through here.
    public static func field(_ cell: CSVCell) -> String {
        switch cell {
        case .number(let number) where SpreadsheetGrid.isPlainDecimal(number):
            return number
        case .number(let text), .text(let text):
            return quoted(protected(text))
        }
    }

    /// `text` with a `'` in front when it starts with a formula starter: spreadsheet programs then show it as
    /// text (and hide the quote) instead of evaluating it.
    public static func protected(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaStarters.contains(first) else { return text }
        return "'" + text
    }

    /// The inverse of `protected` for reading back a sheet CRMHub wrote: drops a `'` that stands before a
    /// formula starter. Text that merely begins with a quote is left as it is.
    public static func unprotected(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, formulaStarters.contains(second) else {
            return text
        }
        return String(String.UnicodeScalarView(scalars.dropFirst()))
    }

    /// RFC 4180 quoting: a field holding a comma, a quote or a line break is enclosed in quotes, its quotes doubled.
    static func quoted(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
