import Foundation
import HubCore

/// The fields of one line of a loan file by column name, read into types with the line's rejection when one
/// does not fit: the checks both loan layouts share (dates, amounts, identifiers).
struct LoanFileFields {
    let row: DelimitedTextFile.Row
    private let values: [String: String]

    init(_ row: DelimitedTextFile.Row, columns: [String]) throws(LineRejection) {
        self.row = row
        switch row.trimmedFields(count: columns.count) {
        case .success(let fields): values = Dictionary(uniqueKeysWithValues: zip(columns, fields))
        case .failure(let rejection): throw rejection
        }
    }

    func reject(_ column: String, _ reason: String) -> LineRejection {
        LineRejection(line: row.line, reason: reason, field: column, raw: row.text)
    }

    /// The value, nil when empty.
    func optional(_ column: String) -> String? {
        let value = values[column] ?? ""
        return value.isEmpty ? nil : value
    }

    func text(_ column: String) throws(LineRejection) -> String {
        guard let value = optional(column) else { throw reject(column, "\(column) is empty") }
        return value
    }

    func date(_ column: String) throws(LineRejection) -> CalendarDate {
        guard let date = try optionalDate(column) else { throw reject(column, "\(column) is empty") }
        return date
    }

    func optionalDate(_ column: String) throws(LineRejection) -> CalendarDate? {
        guard let value = optional(column) else { return nil }
        guard let date = CalendarDate(isoDate: value) ?? CalendarDate(dottedDMY: value) else {
            throw reject(column, "\(column) '\(value.escapingControlCharacters())' is neither YYYY-MM-DD nor DD.MM.YYYY")
        }
        return date
    }

    /// An amount (spaces as thousands separators and a decimal comma allowed), at least 0 or, when `positive`,
    /// more than 0.
    func optionalAmount(_ column: String, positive: Bool = false) throws(LineRejection) -> ExactAmount? {
        guard let value = optional(column) else { return nil }
        let cleaned = value.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{A0}", with: "")
        guard let amount = ExactAmount(parsing: cleaned), !positive || amount.decimal > 0 else {
            throw reject(column, "\(column) '\(value.escapingControlCharacters())' is not a\(positive ? " positive" : "n") "
                             + "amount such as 120000000.00")
        }
        return amount
    }

    func amount(_ column: String, positive: Bool = true) throws(LineRejection) -> ExactAmount {
        guard let amount = try optionalAmount(column, positive: positive) else { throw reject(column, "\(column) is empty") }
        return amount
    }

    func optionalWholeNumber(_ column: String, in range: ClosedRange<Int>) throws(LineRejection) -> Int? {
        guard let value = optional(column) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw reject(column, "\(column) '\(value.escapingControlCharacters())' is not a whole number from "
                             + "\(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// One of `allowed` (compared in lower case), nil when empty.
    func optionalChoice(_ column: String, _ allowed: [String]) throws(LineRejection) -> String? {
        guard let value = optional(column)?.lowercased() else { return nil }
        guard allowed.contains(value) else {
            throw reject(column, "\(column) '\(value.escapingControlCharacters())' must be one of "
                             + allowed.joined(separator: ", ") + Suggestion.didYouMean(value, in: allowed))
        }
        return value
    }
}
