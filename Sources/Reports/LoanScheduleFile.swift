import Connectors
import Foundation
import HubCore
import Loans

/// A schedule from the credit calculator as the loan officer hands it over: an XLSX sheet or a CSV file, the
/// terms above the instalments and the totals below, every amount a number cell.
package enum LoanScheduleFile {
    package enum Format: String, CaseIterable, Sendable {
        case table, csv, xlsx
    }

    static let header = ["#", "due date", "days", "payment", "principal", "interest", "balance"]

    /// The terms as label and value, the way the schedule's heading shows them.
    package static func terms(_ schedule: LoanSchedule) -> [(String, String)] {
        let terms = schedule.terms
        return [("principal", terms.principal.amountText), ("annual rate, %", "\(terms.annualRatePercent)"),
                ("months", String(terms.months)), ("method", terms.method.rawValue),
                ("day count", terms.dayCount.rawValue), ("disbursed", terms.disbursed.iso),
                ("first due", terms.dueDate(1).iso), ("rounding", terms.rounding.rawValue)]
    }

    /// The table for a terminal, amounts grouped by thousands and aligned.
    package static func table(_ schedule: LoanSchedule) -> String {
        var lines = [terms(schedule).map { "\($0.0): \($0.1)" }.joined(separator: ", "), ""]
        var rows = [header]
        for instalment in schedule.instalments {
            rows.append([String(instalment.number), instalment.dueDate.iso, String(instalment.days),
                         instalment.payment.moneyText, instalment.principal.moneyText, instalment.interest.moneyText,
                         instalment.balance.moneyText])
        }
        rows.append(["Σ", "", "", schedule.totalPayment.moneyText, schedule.totalPrincipal.moneyText,
                     schedule.totalInterest.moneyText, ""])
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            let line = row.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return column == 1 ? text + padding : padding + text
            }.joined(separator: "  ")
            lines.append(String(line[..<(line.lastIndex { $0 != " " }.map(line.index(after:)) ?? line.startIndex)]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the schedule to `path` as CSV (the instalments only, for other programs) or XLSX.
    package static func write(_ schedule: LoanSchedule, format: Format, to path: String) throws {
        switch format {
        case .table:
            try ReportWriter.writeAtomically(table(schedule), to: path)
        case .csv:
            var text = "\u{FEFF}" + ReportWriter.csvLine(["number", "due_date", "days", "payment", "principal",
                                                           "interest", "balance"])
            for instalment in schedule.instalments {
                text += CSVText.line([.number(String(instalment.number)), .text(instalment.dueDate.iso),
                                      .number(String(instalment.days)), .number(instalment.payment.amountText),
                                      .number(instalment.principal.amountText),
                                      .number(instalment.interest.amountText), .number(instalment.balance.amountText)])
            }
            try ReportWriter.writeAtomically(text, to: path)
        case .xlsx:
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            let writer = try XLSXWorkbookWriter(path: path)
            try writer.beginSheet(name: "Schedule", columns: [
                SpreadsheetColumn(title: "#", width: 6), SpreadsheetColumn(title: "Due date", width: 12),
                SpreadsheetColumn(title: "Days", width: 6),
                SpreadsheetColumn(title: "Payment", width: 16, isAmount: true),
                SpreadsheetColumn(title: "Principal", width: 16, isAmount: true),
                SpreadsheetColumn(title: "Interest", width: 16, isAmount: true),
                SpreadsheetColumn(title: "Balance", width: 16, isAmount: true),
            ])
            for instalment in schedule.instalments {
                try writer.append([.number(String(instalment.number)), .date(instalment.dueDate),
                                   .number(String(instalment.days)), .number(instalment.payment.amountText),
                                   .number(instalment.principal.amountText), .number(instalment.interest.amountText),
                                   .number(instalment.balance.amountText)])
            }
            try writer.appendTotals(label: "Total", [.empty, .empty, .empty, .number(schedule.totalPayment.amountText),
                                                     .number(schedule.totalPrincipal.amountText),
                                                     .number(schedule.totalInterest.amountText), .empty])
            try writer.endSheet()
            try writer.beginSheet(name: "Terms", columns: [SpreadsheetColumn(title: "Term", width: 18),
                                                           SpreadsheetColumn(title: "Value", width: 20)])
            for (label, value) in terms(schedule) { try writer.append([.text(label), .text(value)]) }
            try writer.endSheet()
            try writer.close()
        }
    }
}
