import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// Writes a call-centre report (`CallReport`) as an XLSX workbook or a CSV file, by the path's extension.
/// Every value from data is a text cell (never a formula); counts are numbers.
package enum CallReportFile {
    /// The rows written.
    package static func write(_ report: CallReport, to path: String) throws -> Int {
        if path.lowercased().hasSuffix(".xlsx") {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            let writer = try XLSXWorkbookWriter(path: path)
            try writer.beginSheet(name: report.title, columns: report.header.map {
                SpreadsheetColumn(title: $0, width: max(12, Double($0.count) + 2))
            })
            for row in report.rows {
                try writer.append(row.map { value in
                    switch value {
                    case .text(let text): .text(text)
                    case .number(let number): .number(number)
                    }
                })
            }
            try writer.endSheet()
            try writer.close()
        } else {
            var text = "\u{FEFF}" + ReportWriter.csvLine(report.header)
            for row in report.rows {
                text += CSVText.line(row.map { value in
                    switch value {
                    case .text(let text): .text(text)
                    case .number(let number): .number(number)
                    }
                })
            }
            try ReportWriter.writeAtomically(text, to: path)
        }
        return report.rows.count
    }
}
