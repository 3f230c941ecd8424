@testable import Connectors
import Foundation
import HubCore
import Testing
import ZIPFoundation

/// The workbook the XLSX tests write: two sheets, the first 30 columns wide (so that `AA`… appear), with
/// Cyrillic, markup characters, exact decimals, a date, gaps and a totals row.
enum SampleWorkbook {
    static let day = CalendarDate(year: 2025, month: 3, day: 14)!
    static let reconciliation = "Сверка март"
    static let decisions = "Decisions"

    static let columns: [SpreadsheetColumn] = [
        SpreadsheetColumn(title: "Контрагент", width: 40),
        SpreadsheetColumn(title: "Note & <remark>"),
        SpreadsheetColumn(title: "Сумма", width: 18, isAmount: true),
        SpreadsheetColumn(title: "Count"),
        SpreadsheetColumn(title: "Дата", width: 12),
        SpreadsheetColumn(title: "Empty"),
    ] + (6..<30).map { SpreadsheetColumn(title: "C\($0 + 1)") }

    static let rows: [[SpreadsheetCell]] = [
        [.text("ООО «Ромашка»"), .text("Tom & Jerry <3> \"q\" 'a'"), .number("45600000.00"), .number("-15000"),
         .date(day), .empty] + (6..<30).map { SpreadsheetCell.text("r1c\($0 + 1)") },
        [.text("ИП Иванов\tтаб\nстрока 2"), .text("ctl\u{1}\u{7}dropped"), .number("0.10"), .number("7"),
         .empty, .empty, .text("")] + (7..<29).map { _ in SpreadsheetCell.empty } + [.text("last AD")],
        [.text("literal _x0041_ stays")],
    ]

    /// What reading the first sheet back must give: the text as written (control characters dropped), numbers
    /// as written, the date as its serial, empty cells as "" and nothing after the last value.
    static let expectedRows: [[String]] = [
        columns.map(\.title),
        ["ООО «Ромашка»", "Tom & Jerry <3> \"q\" 'a'", "45600000.00", "-15000", "45730", ""]
            + (6..<30).map { "r1c\($0 + 1)" },
        ["ИП Иванов\tтаб\nстрока 2", "ctldropped", "0.10", "7"] + Array(repeating: "", count: 25) + ["last AD"],
        ["literal _x0041_ stays"],
        ["Итого", "", "45600000.10"],
    ]

    static let decisionColumns = [SpreadsheetColumn(title: "Id"), SpreadsheetColumn(title: "Decision", width: 20)]
    static let decisionRows: [[SpreadsheetCell]] = [[.number("1"), .text("confirm")], [], [.number("3"), .text("reject")]]
    static let expectedDecisionRows: [[String]] = [["Id", "Decision"], ["1", "confirm"], [], ["3", "reject"]]

    static func write(to path: String) throws {
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: reconciliation, columns: columns)
        for row in rows { try writer.append(row) }
        try writer.appendTotals(label: "Итого", [.empty, .empty, .number("45600000.10")])
        try writer.endSheet()
        try writer.beginSheet(name: decisions, columns: decisionColumns)
        for row in decisionRows { try writer.append(row) }
        try writer.endSheet()
        try writer.close()
    }

    /// A fresh folder under the temporary directory.
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The inflated bytes of one part of a package.
    static func part(_ name: String, of path: String) throws -> Data {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        let entry = try #require(archive[name], "the package has no \(name)")
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return data
    }
}

@Suite("XLSX workbooks: writer and reader")
struct XLSXWorkbookTests {
    @Test("cells written come back exactly, on both sheets, in order")
    func roundTrip() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        try SampleWorkbook.write(to: path)

        let reader = try XLSXWorkbookReader(path: path)
        #expect(reader.sheetNames == [SampleWorkbook.reconciliation, SampleWorkbook.decisions])
        let rows = try reader.rows(ofSheet: SampleWorkbook.reconciliation)
        #expect(rows.count == SampleWorkbook.expectedRows.count)
        for (index, (row, expected)) in zip(rows, SampleWorkbook.expectedRows).enumerated() {
            #expect(row == expected, "row \(index + 1)")
        }
        #expect(CalendarDate(excelSerial: rows[1][4]) == SampleWorkbook.day)
        #expect(try reader.rows(ofSheet: SampleWorkbook.decisions) == SampleWorkbook.expectedDecisionRows)
        // Only the workbook is left in the folder: no `.part`, no temporary sheet files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.xlsx"])
    }

    @Test("the package has every required part, well-formed, with a frozen header, styles and a filter")
    func structure() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        try SampleWorkbook.write(to: path)

        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        let names = Set(archive.map(\.path))
        let required = ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml",
                        "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
                        "xl/worksheets/sheet2.xml"]
        #expect(names == Set(required))
        #expect(archive.allSatisfy { $0.isCompressed })

        // Every part parses; the sheet's envelope and its pane, columns and filter are as Excel expects them.
        var sheetEvents: [XMLStreamEvent] = []
        for name in required {
            let data = try SampleWorkbook.part(name, of: path)
            let reader = XMLStreamReader(source: name, recordDepth: 2)
            var events: [XMLStreamEvent] = []
            try data.withUnsafeBytes { try reader.parse($0) { events.append($0) } }
            try reader.finish { events.append($0) }
            if name == "xl/worksheets/sheet1.xml" { sheetEvents = events }
        }
        guard case .opened("worksheet", XLSXPart.mainNamespace, _, 1, _) = sheetEvents.first else {
            Issue.record("sheet1.xml must open with a SpreadsheetML worksheet, got \(String(describing: sheetEvents.first))")
            return
        }
        let all = sheetEvents.compactMap { if case .record(let node, _, _) = $0 { node } else { nil } }
        // In the schema's order; printed one page wide in landscape (sheetPr, pageSetup).
        #expect(all.map(\.name) == ["sheetPr", "sheetViews", "sheetFormatPr", "cols", "sheetData", "autoFilter",
                                    "pageMargins", "pageSetup"])
        #expect(all.first?.element(["pageSetUpPr"])?.attribute("fitToPage") == "1")
        #expect(all.last?.attribute("orientation") == "landscape" && all.last?.attribute("fitToWidth") == "1")
        let records = Array(all.dropFirst())
        let pane = try #require(records.first?.element(["sheetView", "pane"]))
        #expect(pane.attributes == [XMLAttribute(name: "ySplit", value: "1"), XMLAttribute(name: "topLeftCell", value: "A2"),
                                    XMLAttribute(name: "activePane", value: "bottomLeft"),
                                    XMLAttribute(name: "state", value: "frozen")])
        #expect(records[2].children(named: "col").count == 30)
        #expect(records[2].children.first?.attribute("width") == "40.00")
        #expect(records[4].attribute("ref") == "A1:AD4")

        let sheetData = records[3]
        let header = try #require(sheetData.children.first)
        #expect(header.children.allSatisfy { $0.attribute("s") == "1" && $0.attribute("t") == "inlineStr" })
        #expect(header.children.last?.attribute("r") == "AD1")
        let first = sheetData.children[1].children
        #expect(first[2].attribute("s") == "3" && first[2].value("v") == "45600000.00")
        #expect(first[3].attribute("s") == nil && first[3].value("v") == "-15000")
        #expect(first[4].attribute("s") == "2" && first[4].value("v") == "45730")
        #expect(first[4].attribute("r") == "E2" && first[5].attribute("r") == "G2")
        let totals = sheetData.children[4].children
        #expect(totals.map { $0.attribute("s") } == ["1", "4"])
        #expect(String(decoding: try SampleWorkbook.part("xl/worksheets/sheet1.xml", of: path), as: UTF8.self)
            .contains("literal _x005F_x0041_ stays"))

        let workbook = String(decoding: try SampleWorkbook.part("xl/workbook.xml", of: path), as: UTF8.self)
        #expect(workbook.contains(#"<sheet name="Сверка март" sheetId="1" r:id="rId1"/>"#))
        #expect(workbook.contains(#"localSheetId="0" hidden="1">&apos;Сверка март&apos;!$A$1:$AD$4</definedName>"#))
        let styles = String(decoding: try SampleWorkbook.part("xl/styles.xml", of: path), as: UTF8.self)
        #expect(styles.contains(#"<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>"#))
        #expect(styles.contains(#"<cellXfs count="5">"#))
    }

    @Test("a sheet with only its header has no filter")
    func headerOnlySheet() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("empty.xlsx").path
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: "Nothing", columns: [SpreadsheetColumn(title: "A")])
        try writer.close()  // ends the open sheet
        let sheet = String(decoding: try SampleWorkbook.part("xl/worksheets/sheet1.xml", of: path), as: UTF8.self)
        #expect(!sheet.contains("autoFilter"))
        #expect(!String(decoding: try SampleWorkbook.part("xl/workbook.xml", of: path), as: UTF8.self)
            .contains("definedName"))
        #expect(try XLSXWorkbookReader(path: path).rows(ofSheet: "Nothing") == [["A"]])
    }

    @Test("rows stream to a temporary file while written, which is gone when the writer is dropped")
    func streamsAndCleansUp() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("big.xlsx").path
        do {
            let writer = try XLSXWorkbookWriter(path: path)
            try writer.beginSheet(name: "Rows", columns: [SpreadsheetColumn(title: "N"), SpreadsheetColumn(title: "T")])
            for number in 0..<20_000 { try writer.append([.number(String(number)), .text("row \(number)")]) }
            let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.fileSizeKey])
            #expect(files.count == 1)
            let size = try files.first?.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
            #expect(size > 500_000, "the rows must already be on disk, not in memory")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("Excel serial numbers of dates", arguments: [
        (1900, 3, 1, 61), (1970, 1, 1, 25569), (2000, 2, 29, 36585), (2025, 3, 14, 45730), (9999, 12, 31, 2_958_465),
    ])
    func excelSerials(year: Int, month: Int, day: Int, serial: Int) throws {
        let date = try #require(CalendarDate(year: year, month: month, day: day))
        #expect(date.excelSerial == serial)
        #expect(CalendarDate(excelSerial: String(serial)) == date)
        #expect(CalendarDate(excelSerial: "\(serial).75") == date)
    }

    @Test("dates before 1900-03-01 have no serial and are written as ISO text")
    func earlyDates() throws {
        #expect(CalendarDate(year: 1900, month: 2, day: 28)!.excelSerial == nil)
        #expect(CalendarDate(excelSerial: "60") == nil)
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.xlsx").path
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: "Old", columns: [SpreadsheetColumn(title: "Day"), SpreadsheetColumn(title: "N")])
        try writer.append([.date(CalendarDate(year: 1899, month: 1, day: 2)!), .number("1e5")])
        try writer.close()
        #expect(try XLSXWorkbookReader(path: path).rows(ofSheet: "Old") == [["Day", "N"], ["1899-01-02", "1e5"]])
        let sheet = String(decoding: try SampleWorkbook.part("xl/worksheets/sheet1.xml", of: path), as: UTF8.self)
        #expect(sheet.contains(#"<c r="B2" t="inlineStr"><is><t xml:space="preserve">1e5</t></is></c>"#))
    }

    @Test("column letters and cell references", arguments: [
        (0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD"),
    ])
    func columnLetters(index: Int, letters: String) {
        #expect(SpreadsheetGrid.columnLetters(index) == letters)
        #expect(SpreadsheetGrid.cellPosition(letters + "12")?.column == index)
        #expect(SpreadsheetGrid.cellPosition(letters + "12")?.row == 12)
    }

    @Test("plain decimals", arguments: [
        ("45600000.00", true), ("-15000", true), ("0", true), ("1.", false), (".5", false), ("1e5", false),
        ("1 000", false), ("--1", false), ("", false), ("-", false), ("12,50", false),
    ])
    func plainDecimals(text: String, plain: Bool) {
        #expect(SpreadsheetGrid.isPlainDecimal(text) == plain)
    }

    @Test("sheet names Excel refuses are configuration errors", arguments: [
        "", String(repeating: "я", count: 32), "a/b", "a\\b", "Q1:Q2", "[x]", "what?", "a*", "'quoted'", "History",
        "dup",
    ])
    func badSheetNames(name: String) throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try XLSXWorkbookWriter(path: folder.appendingPathComponent("bad.xlsx").path)
        try writer.beginSheet(name: "DUP", columns: [SpreadsheetColumn(title: "A")])
        try writer.endSheet()
        let error = #expect(throws: HubError.self) {
            try writer.beginSheet(name: name, columns: [SpreadsheetColumn(title: "A")])
        }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("sheet name") == true)
    }

    @Test("a 31-character Cyrillic name is accepted")
    func longestSheetName() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("long.xlsx").path
        let name = String(repeating: "я", count: 31)
        let writer = try XLSXWorkbookWriter(path: path)
        try writer.beginSheet(name: name, columns: [SpreadsheetColumn(title: "A")])
        try writer.close()
        #expect(try XLSXWorkbookReader(path: path).sheetNames == [name])
    }

    @Test("misuse of the writer is reported, not written")
    func writerMisuse() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("misuse.xlsx").path
        let writer = try XLSXWorkbookWriter(path: path)
        #expect(throws: HubError.self) { try writer.append([.text("no sheet")]) }
        #expect(throws: HubError.self) { try writer.close() }  // no sheets
        try writer.beginSheet(name: "One", columns: [SpreadsheetColumn(title: "A")])
        #expect(throws: HubError.self) { try writer.append([.text("a"), .text("too many")]) }
        #expect(throws: HubError.self) { try writer.appendTotals(label: "Total", [.text("clash")]) }
        #expect(throws: HubError.self) { try writer.beginSheet(name: "Two", columns: [SpreadsheetColumn(title: "A")]) }
    }

    @Test("reading a sheet the workbook does not have names the file and the sheets it has")
    func missingSheet() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report-march.xlsx").path
        try SampleWorkbook.write(to: path)
        let reader = try XLSXWorkbookReader(path: path)
        let error = #expect(throws: HubError.self) { try reader.rows(ofSheet: "Решения") }
        #expect(error?.code == .malformedInput)
        #expect(error?.message.contains("report-march.xlsx") == true)
        #expect(error?.message.contains("\"Decisions\"") == true)
        #expect(error?.location?.source == path)
    }

    @Test("a file that is not a ZIP archive is a clear malformed-input error")
    func notAZip() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fake.xlsx").path
        try Data("Контрагент;Сумма\nООО;1\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: HubError.self) { _ = try XLSXWorkbookReader(path: path) }
        #expect(error?.code == .malformedInput)
        #expect(error?.message == "not an Excel workbook (.xlsx): the file is not a ZIP archive")
        #expect(error?.description.hasPrefix("\(path): not an Excel workbook") == true)
        let missing = #expect(throws: HubError.self) { _ = try XLSXWorkbookReader(path: path + ".nothing") }
        #expect(missing?.code == .io)
    }

    @Test("a ZIP archive without a workbook is refused")
    func zipWithoutWorkbook() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("other.xlsx").path
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let data = Data("hello".utf8)
        try archive.addEntry(with: "readme.txt", type: .file, uncompressedSize: Int64(data.count)) { _, _ in data }
        let error = #expect(throws: HubError.self) { _ = try XLSXWorkbookReader(path: path) }
        #expect(error?.message.contains("xl/workbook.xml") == true)
    }

    @Test("what Excel writes: shared strings with rich text runs, formula results, booleans, cells without r")
    func excelStyleParts() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("excel.xlsx").path
        let main = XLSXPart.mainNamespace
        let relationships = XLSXPart.relationshipsNamespace
        let parts: [(String, String)] = [
            ("_rels/.rels", #"<Relationships xmlns="\#(XLSXPart.packageRelationshipsNamespace)"><Relationship Id="rId1" "#
                + #"Type="\#(relationships)/officeDocument" Target="/xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<workbook xmlns="\#(main)" xmlns:r="\#(relationships)"><bookViews><workbookView/>"#
                + #"</bookViews><sheets><sheet name="Лист1" sheetId="5" r:id="rId7"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships xmlns="\#(XLSXPart.packageRelationshipsNamespace)">"#
                + #"<Relationship Id="rId7" Type="\#(relationships)/worksheet" Target="worksheets/../worksheets/s.xml"/>"#
                + #"<Relationship Id="rId9" Type="\#(relationships)/sharedStrings" Target="strings.xml"/>"#
                + "</Relationships>"),
            ("xl/strings.xml", #"<sst xmlns="\#(main)" count="3" uniqueCount="3"><si><t>Решение</t></si>"#
                + #"<si><r><rPr><b/></rPr><t>con</t></r><r><t xml:space="preserve">firm </t></r>"#
                + #"<rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t>line_x000D_</t></si></sst>"#),
            ("xl/worksheets/s.xml", #"<x:worksheet xmlns:x="\#(main)"><x:sheetData>"#
                + #"<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v>1</x:v></x:c></x:row>"#
                + #"<x:row r="3"><x:c><x:v>1.5</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c>"#
                + #"<x:c t="str"><x:f>A1&amp;" x"</x:f><x:v>Решение x</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c>"#
                + #"<x:c r="F3" t="e"><x:v>#DIV/0!</x:v></x:c><x:c r="G3"/></x:row>"#
                + #"<x:row r="4" spans="1:3"/></x:sheetData></x:worksheet>"#),
        ]
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
            }
        }
        let reader = try XLSXWorkbookReader(path: path)
        #expect(reader.sheetNames == ["Лист1"])
        #expect(try reader.rows(ofSheet: "Лист1") == [
            ["Решение", "", "confirm "], [], ["1.5", "1", "Решение x", "line\r", "", "#DIV/0!"],
        ])
    }
}

/// LibreOffice opens what we write and writes what we read. One at a time: each conversion starts a whole
/// office process, and two sharing a machine's two cores time out.
@Suite("XLSX workbooks through LibreOffice", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: LibreOffice.executable)
                || ProcessInfo.processInfo.environment["CI"] != nil))
struct XLSXLibreOfficeTests {
    /// LibreOffice pads every row to the sheet's width: compare without the trailing empty cells.
    static func trimmedRows(_ text: String) -> [[String]] {
        CSVText.rows(text).map { row in
            var row = row
            while row.count > 1, row.last == "" { row.removeLast() }
            return row
        }
    }

    @Test("LibreOffice exports every sheet we wrote to CSV with the same cells")
    func exportsToCSV() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        try SampleWorkbook.write(to: path)
        let output = folder.appendingPathComponent("csv")
        // 44 comma, 34 quote, 76 UTF-8, from line 1; "as shown" off (raw numbers, ISO dates); -1: every sheet.
        try LibreOffice.convert(path, to: "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                                outputFolder: output, scratch: folder)

        let reconciliation = try String(
            contentsOf: output.appendingPathComponent("report-\(SampleWorkbook.reconciliation).csv"), encoding: .utf8)
        let rows = Self.trimmedRows(reconciliation)
        #expect(rows.count == SampleWorkbook.expectedRows.count)
        for (index, (row, expected)) in zip(rows, SampleWorkbook.expectedRows).enumerated() {
            var expected = expected
            if index == 1 { expected[4] = "2025-03-14" }  // the date, shown through its yyyy-mm-dd format
            #expect(sameCells(row, expected, numericColumns: index == 0 ? [] : [2, 3]), "row \(index + 1): \(row)")
        }
        #expect(rows[1][0] == "ООО «Ромашка»" && rows[1][4] == "2025-03-14")
        let decisions = try String(
            contentsOf: output.appendingPathComponent("report-\(SampleWorkbook.decisions).csv"), encoding: .utf8)
        #expect(Self.trimmedRows(decisions) == SampleWorkbook.expectedDecisionRows.map { $0.isEmpty ? [""] : $0 })
    }

    @Test("a workbook LibreOffice saved (shared strings) reads back with the same cells")
    func readsLibreOfficeWorkbook() throws {
        let folder = try SampleWorkbook.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        try SampleWorkbook.write(to: path)
        let output = folder.appendingPathComponent("resaved")
        try LibreOffice.convert(path, to: "xlsx", outputFolder: output, scratch: folder)
        let resaved = output.appendingPathComponent("report.xlsx").path

        let archive = try Archive(url: URL(fileURLWithPath: resaved), accessMode: .read)
        #expect(archive["xl/sharedStrings.xml"] != nil, "LibreOffice writes text as shared strings")
        let reader = try XLSXWorkbookReader(path: resaved)
        #expect(reader.sheetNames == [SampleWorkbook.reconciliation, SampleWorkbook.decisions])
        let rows = try reader.rows(ofSheet: SampleWorkbook.reconciliation)
        #expect(rows.count == SampleWorkbook.expectedRows.count)
        for (index, (row, expected)) in zip(rows, SampleWorkbook.expectedRows).enumerated() {
            #expect(sameCells(row, expected, numericColumns: index == 0 ? [] : [2, 3, 4]), "row \(index + 1): \(row)")
        }
        #expect(CalendarDate(excelSerial: rows[1][4]) == SampleWorkbook.day)
        #expect(try reader.rows(ofSheet: SampleWorkbook.decisions) == SampleWorkbook.expectedDecisionRows)
    }

    /// Equal cells, where the numeric columns may differ in form (`45600000` for `45600000.00`).
    private func sameCells(_ row: [String], _ expected: [String], numericColumns: Set<Int>) -> Bool {
        guard row.count == expected.count else { return false }
        return zip(row, expected).enumerated().allSatisfy { column, pair in
            guard numericColumns.contains(column), !pair.1.isEmpty else { return pair.0 == pair.1 }
            return Decimal(string: pair.0) == Decimal(string: pair.1)
        }
    }
}

/// Runs `libreoffice --headless --convert-to` with a private profile and home, so runs never share state.
enum LibreOffice {
    static let executable = "/usr/bin/libreoffice"

    static func convert(_ path: String, to filter: String, outputFolder: URL, scratch: URL) throws {
        let profile = scratch.appendingPathComponent("lo-profile")
        let home = scratch.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        // `timeout` bounds a hung office: ChildProcess waits for the child without a limit.
        let output = try ChildProcess.run("/usr/bin/timeout", [
            "120", executable, "-env:UserInstallation=\(profile.absoluteString)", "--headless",
            "--convert-to", filter, "--outdir", outputFolder.path, path,
        ], environment: ["HOME": home.path])
        try #require(output.status == 0, "libreoffice exited with \(output.status): \(output.text)")
    }
}

