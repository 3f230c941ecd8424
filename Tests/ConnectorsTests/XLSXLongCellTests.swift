@testable import Connectors
import Foundation
import Testing

/// A text longer than an Excel cell holds is cut with a marker instead of failing the workbook.
@Suite("XLSX cells longer than Excel's 32,767 characters")
struct XLSXLongCellTests {
    static let marker = " … [cut: 1048576 characters; the full text is in the warehouse]"

    @Test("a 1 MB text is written cut to 32,767 characters, ending with the marker; the rest of the row is kept")
    func megabyteText() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("long.xlsx").path
        let text = String(repeating: "Оплата по счёту ", count: 65_536)
        #expect(text.utf16.count == 1_048_576)
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: "Long", columns: [SpreadsheetColumn(title: "Purpose"), SpreadsheetColumn(title: "N")])
        try writer.append([.text(text), .number("-1500.00")])
        try writer.close()

        let rows = try XLSXWorkbookReader(path: path).rows(ofSheet: "Long")
        #expect(rows.count == 2)
        let cell = try #require(rows.last?.first)
        #expect(cell.utf16.count == SpreadsheetGrid.maximumCellText)
        #expect(cell.hasSuffix(Self.marker))
        #expect(text.hasPrefix(cell.dropLast(Self.marker.count)))
        #expect(rows.last?.last == "-1500.00")
    }

    @Test("text at the limit is kept whole; one more character is cut")
    func atTheLimit() {
        let full = String(repeating: "x", count: SpreadsheetGrid.maximumCellText)
        #expect(SpreadsheetText.fitted(full) == full)
        let over = SpreadsheetText.fitted(full + "y")
        #expect(over.utf16.count == SpreadsheetGrid.maximumCellText)
        #expect(over.hasSuffix(" … [cut: 32768 characters; the full text is in the warehouse]"))
    }

    @Test("the cut never splits a surrogate pair", arguments: [0, 1])
    func surrogatePairs(parity: Int) {
        let text = String(repeating: "😀", count: 100)  // 200 UTF-16 code units
        let marker = SpreadsheetText.cutMarker(200)
        // Room for 10 or 11 code units before the marker: 5 emoji either way.
        let limit = marker.utf16.count + 10 + parity
        let cut = SpreadsheetText.fitted(text, limit: limit)
        #expect(cut == String(repeating: "😀", count: 5) + marker)
        #expect(cut.utf16.count <= limit)
    }
}
