import Foundation
import HubCore

/// The fields of one record of a loan file by column name (a CSV line, or an XML element's children), read into
/// types with the record's rejection when one does not fit: the checks every loan layout shares (dates, amounts,
/// identifiers).
public struct LoanFileFields: Sendable {
    /// Where the record starts, and its text for the quarantine.
    public let line: Int
    public let raw: String
    private let values: [String: String]

    /// A CSV line, exactly `columns` fields.
    public init(_ row: DelimitedTextFile.Row, columns: [String]) throws(LineRejection) {
        line = row.line
        raw = row.text
        switch row.trimmedFields(count: columns.count) {
        case .success(let fields): values = Dictionary(uniqueKeysWithValues: zip(columns, fields))
        case .failure(let rejection): throw rejection
        }
    }

    /// An XML record whose children are named as the layout's columns (`<principal>120000000.00</principal>`);
    /// a child of another name is refused, so a misspelt element is not silently left out.
    public init(_ element: XMLElementNode, columns: [String]) throws(LineRejection) {
        line = element.line
        raw = element.json
        var values: [String: String] = [:]
        for child in element.children {
            guard columns.contains(child.name) else {
                throw LineRejection(line: element.line, reason: "<\(child.name)> is not a field of <\(element.name)>"
                                        + Suggestion.didYouMean(child.name, in: columns), field: child.name, raw: raw)
            }
            if let problem = child.valueProblem {
                throw LineRejection(line: child.line, reason: "<\(child.name)>: \(problem)", field: child.name, raw: raw)
            }
            values[child.name] = child.trimmedText ?? ""
        }
        self.values = values
    }

    func reject(_ column: String, _ reason: String) -> LineRejection {
        LineRejection(line: line, reason: reason, field: column, raw: raw)
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
