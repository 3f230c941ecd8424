import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// The collectors' morning list (`crmhub report problem-loans`): the overdue contracts of a day's snapshot,
/// worst first, with whom to call and how much is owed; and the portfolio by bucket. XLSX, or a CSV of the
/// problem contracts for a `.csv` path. Names and phones are text cells, never formulas.
package enum ProblemLoansFile {
    static let columns: [(title: String, width: Double, isAmount: Bool)] = [
        ("Contract", 16, false), ("Borrower", 28, false), ("INN / PINFL", 16, false), ("Phone", 15, false),
        ("Product", 14, false), ("Branch", 14, false), ("Manager", 16, false), ("Currency", 8, false),
        ("Days past due", 8, false), ("Bucket", 8, false), ("Classification", 14, false),
        ("Oldest unpaid due", 12, false), ("Overdue instalments", 8, false), ("Overdue principal", 16, true),
        ("Overdue interest", 16, true), ("Overdue amount", 16, true), ("Outstanding principal", 16, true),
        ("Last payment", 12, false), ("Last payment amount", 16, true),
    ]

    /// The rows written (problem contracts).
    package static func write(_ report: LoanArrearsReport, to path: String) throws -> Int {
        if path.lowercased().hasSuffix(".csv") {
            var text = "\u{FEFF}" + ReportWriter.csvLine(columns.map(\.title))
            for loan in report.problemLoans {
                text += CSVText.line(cells(loan).map { cell in
                    switch cell {
                    case .number(let number): .number(number)
                    case .date(let date): .text(date.iso)
                    case .text(let text): .text(text)
                    case .empty: .text("")
                    }
                })
            }
            try ReportWriter.writeAtomically(text, to: path)
            return report.problemLoans.count
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: "Problem loans \(report.date.iso)", columns: columns.map {
            SpreadsheetColumn(title: $0.title, width: $0.width, isAmount: $0.isAmount)
        })
        for loan in report.problemLoans { try writer.append(cells(loan)) }
        try writer.endSheet()
        try writer.beginSheet(name: "By bucket", columns: [
            SpreadsheetColumn(title: "Currency", width: 8), SpreadsheetColumn(title: "Bucket", width: 10),
            SpreadsheetColumn(title: "Contracts", width: 10),
            SpreadsheetColumn(title: "Outstanding principal", width: 20, isAmount: true),
            SpreadsheetColumn(title: "Overdue amount", width: 18, isAmount: true),
        ])
        for total in report.buckets {
            try writer.append([.text(total.currency), .text(total.bucket), .number(String(total.contracts)),
                               .number(total.outstandingPrincipal), .number(total.overdueAmount)])
        }
        try writer.endSheet()
        try writer.close()
        return report.problemLoans.count
    }

    private static func cells(_ loan: LoanArrearsReport.ProblemLoan) -> [SpreadsheetCell] {
        func text(_ value: String?) -> SpreadsheetCell { value.map(SpreadsheetCell.text) ?? .empty }
        func day(_ value: CalendarDate?) -> SpreadsheetCell { value.map(SpreadsheetCell.date) ?? .empty }
        return [.text(loan.contract), .text(loan.borrowerName), .text(loan.borrowerID), text(loan.phone),
                .text(loan.product), text(loan.branch), text(loan.manager), .text(loan.currency),
                .number(String(loan.daysPastDue)), .text(loan.bucket), .text(loan.classification),
                day(loan.oldestUnpaidDue), .number(String(loan.overdueInstalments)), .number(loan.overduePrincipal),
                .number(loan.overdueInterest), .number(loan.overdueAmount), .number(loan.outstandingPrincipal),
                day(loan.lastPaymentOn), loan.lastPaymentAmount.map(SpreadsheetCell.number) ?? .empty]
    }
}
