#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// Writes the reconciliation report as an XLSX workbook (one sheet per part) or as CSV files (one per sheet, in
/// a folder), and reads the accountant's decisions back from the reviewed file's "To review" sheet.
package enum ReconciliationReportFile {
    package enum Format: String, Sendable, CaseIterable {
        case xlsx, csv
    }

    /// The decision a reviewed row carries.
    package struct ReviewedRow: Sendable, Equatable {
        package var target: ReconciliationDecisions.Target
        package var action: ReconciliationDecisions.Action
        /// 1-based row in the sheet (the header is row 1), for messages.
        package var row: Int

        package init(target: ReconciliationDecisions.Target, action: ReconciliationDecisions.Action, row: Int) {
            self.target = target
            self.action = action
            self.row = row
        }
    }

    static let confirmWords: Set<String> = ["confirm", "confirmed", "yes", "y", "ok", "+", "да", "д", "ha", "подтвердить",
                                            "подтверждаю", "✓", "✔", "x"]
    static let rejectWords: Set<String> = ["reject", "rejected", "no", "n", "-", "нет", "н", "yo'q", "yoq", "yo‘q",
                                           "отклонить", "отклоняю", "✗", "✘"]

    /// Writes `report` to `path`: a `.xlsx` file, or for CSV a folder of `<sheet>.csv` files.
    package static func write(_ report: ReconciliationReport, format: Format, to path: String) throws {
        switch format {
        case .xlsx:
            let writer = try XLSXWorkbookWriter(path: path)
            for sheet in report.sheets {
                try writer.beginSheet(name: sheet.name, columns: sheet.columns.map {
                    SpreadsheetColumn(title: $0.title, width: $0.width, isAmount: $0.kind == .amount)
                })
                for row in sheet.rows { try writer.append(cells(row, sheet.columns)) }
                if let totals = sheet.totals {
                    // The label takes column A; the totals follow column for column.
                    try writer.appendTotals(label: totals.first.flatMap { $0 } ?? "Total",
                                            [.empty] + cells(Array(totals.dropFirst()), Array(sheet.columns.dropFirst())))
                }
                try writer.endSheet()
            }
            try writer.close()
        case .csv:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for sheet in report.sheets {
                var text = "\u{FEFF}" + CSVText.line(sheet.columns.map { .text($0.title) })
                for row in sheet.rows { text += CSVText.line(csvCells(row, sheet.columns)) }
                if let totals = sheet.totals { text += CSVText.line(csvCells(totals, sheet.columns)) }
                let file = (path as NSString).appendingPathComponent(csvName(of: sheet.name))
                let temporary = file + ".partial"
                try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, file) == 0 else {
                    throw HubError(.io, "cannot move the report into place: \(String(cString: strerror(errno)))",
                                   location: SourceLocation(source: file))
                }
            }
        }
    }

    /// `To review` → `to-review.csv`.
    package static func csvName(of sheet: String) -> String {
        sheet.lowercased().replacingOccurrences(of: " ", with: "-") + ".csv"
    }

    private static func cells(_ row: [String?], _ columns: [ReportSheet.Column]) -> [SpreadsheetCell] {
        zip(row, columns).map { value, column in
            guard let value, !value.isEmpty else { return .empty }
            switch column.kind {
            case .amount, .integer: return .number(value)
            case .date: return CalendarDate(isoDate: value).map { .date($0) } ?? .text(value)
            case .text: return .text(value)
            }
        }
    }

    /// A row as CSV cells: amount and integer columns hold numbers the warehouse formatted, so they stay numbers
    /// (`-1500.00`); every other column may hold data (a payer's name) and is protected as text.
    private static func csvCells(_ row: [String?], _ columns: [ReportSheet.Column]) -> [CSVCell] {
        row.enumerated().map { index, value in
            guard let value else { return .text("") }
            switch index < columns.count ? columns[index].kind : .text {
            case .amount, .integer: return .number(value)
            case .date, .text: return .text(value)
            }
        }
    }

    /// The decisions in a reviewed report: its "To review" sheet (XLSX) or `to-review.csv` (a CSV file, or the
    /// folder a CSV report was written to). Rows with an empty Decision are skipped; a word that is neither a
    /// confirmation nor a rejection is an error naming its row.
    package static func readDecisions(path: String) throws -> [ReviewedRow] {
        let rows: [[String]]
        let isFolder = try InputPath.check(path, what: "file or folder") == .folder
        if isFolder || path.lowercased().hasSuffix(".csv") {
            let file = isFolder
                ? (path as NSString).appendingPathComponent(csvName(of: ReconciliationReport.reviewSheetName)) : path
            guard let data = FileManager.default.contents(atPath: file) else {
                throw HubError(.configuration, "cannot read the reviewed sheet", location: SourceLocation(source: file))
            }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            rows = CSVText.rows(text)
        } else {
            rows = try XLSXWorkbookReader(path: path).rows(ofSheet: ReconciliationReport.reviewSheetName)
        }
        guard let header = rows.first else { return [] }
        func column(_ title: String) throws -> Int {
            guard let index = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == title }) else {
                throw HubError(.configuration, "the \"\(ReconciliationReport.reviewSheetName)\" sheet has no "
                               + "\"\(title)\" column (was it renamed?)", location: SourceLocation(source: path))
            }
            return index
        }
        let kindColumn = try column("Kind")
        let idColumn = try column("Id")
        let decisionColumn = try column(ReconciliationReport.decisionColumn)
        var reviewed: [ReviewedRow] = []
        for (offset, row) in rows.dropFirst().enumerated() {
            let line = offset + 2
            // The writer put a `'` before a leading `-`, `+`, `=`… (a rejection may be written `-`); a spreadsheet
            // usually drops it when saving, but a CSV edited as text keeps it.
            func cell(_ index: Int) -> String {
                index < row.count ? CSVText.unprotected(row[index].trimmingCharacters(in: .whitespacesAndNewlines)) : ""
            }
            let word = cell(decisionColumn).lowercased()
            if word.isEmpty { continue }
            let action: ReconciliationDecisions.Action
            if confirmWords.contains(word) {
                action = .confirm
            } else if rejectWords.contains(word) {
                action = .reject
            } else {
                throw HubError(.configuration, "row \(line): Decision \"\(cell(decisionColumn))\" is neither "
                               + "confirm (yes, да, ha) nor reject (no, нет, yo'q)",
                               location: SourceLocation(source: path, line: line, field: ReconciliationReport.decisionColumn))
            }
            // Numbers may come back from a spreadsheet as "12" or "12.0".
            let idText = cell(idColumn)
            guard let id = Int64(idText) ?? Double(idText).flatMap({ $0 == $0.rounded() ? Int64($0) : nil }) else {
                throw HubError(.configuration, "row \(line): Id \"\(idText)\" is not a number",
                               location: SourceLocation(source: path, line: line, field: "Id"))
            }
            switch cell(kindColumn) {
            case "allocation": reviewed.append(ReviewedRow(target: .allocation(id), action: action, row: line))
            case "advance": reviewed.append(ReviewedRow(target: .advance(id), action: action, row: line))
            case "supplier allocation":
                reviewed.append(ReviewedRow(target: .supplierAllocation(id), action: action, row: line))
            case "supplier advance":
                reviewed.append(ReviewedRow(target: .supplierAdvance(id), action: action, row: line))
            case let other:
                throw HubError(.configuration, "row \(line): Kind \"\(other)\" is none of allocation, advance, "
                               + "supplier allocation, supplier advance",
                               location: SourceLocation(source: path, line: line, field: "Kind"))
            }
        }
        return reviewed
    }
}
