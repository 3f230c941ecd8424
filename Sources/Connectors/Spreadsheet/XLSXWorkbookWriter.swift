#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HubCore
import ZIPFoundation

/// Writes an Excel workbook (`.xlsx`, Office Open XML SpreadsheetML) that Excel and LibreOffice open without
/// repairs: sheets of typed cells under a bold, frozen, filterable header row.
///
/// Streaming: each sheet's rows go through a 64 KiB buffer into a temporary file beside the output, and
/// `close()` deflates those files into the archive in chunks, so memory does not grow with the rows. The
/// workbook appears at `path` only when complete (written as `path.part`, then renamed over `path`); temporary
/// files are removed on success, on error and when the writer is dropped unfinished.
///
/// Usage: `beginSheet`, `append`… (`appendTotals`), `endSheet`, further sheets, then `close`.
public final class XLSXWorkbookWriter {
    public let path: String
    private let folder: URL
    private var sheets: [WrittenSheet] = []
    private var current: OpenSheet?
    private var closed = false

    private struct WrittenSheet {
        var name: String
        var file: URL
        /// `A1:X1` up to the last data row, for the autofilter's defined name; nil without data rows.
        var filterRange: String?
    }

    private final class OpenSheet {
        let name: String
        let columns: [SpreadsheetColumn]
        let letters: [String]
        let file: URL
        let handle: FileHandle
        var buffer: [UInt8] = []
        var row = 0
        var lastDataRow = 0

        init(name: String, columns: [SpreadsheetColumn], file: URL, handle: FileHandle) {
            self.name = name
            self.columns = columns
            self.letters = columns.indices.map(SpreadsheetGrid.columnLetters)
            self.file = file
            self.handle = handle
            buffer.reserveCapacity(Self.flushSize + 4096)
        }

        static let flushSize = 1 << 16

        func raw(_ text: String) {
            buffer.append(contentsOf: text.utf8)
        }

        func flush() throws {
            guard !buffer.isEmpty else { return }
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private var partPath: String { path + ".part" }
    private var location: SourceLocation { SourceLocation(source: path) }

    /// Prepares to write `path`; nothing appears there before `close()`. Creates the folder if needed.
    public init(path: String) throws(HubError) {
        self.path = path
        folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(error, cannot: "create the folder for the workbook", path: path)
        }
    }

    deinit {
        try? current?.handle.close()
        let files = sheets.map(\.file) + (current.map { [$0.file] } ?? [])
        for file in files { try? FileManager.default.removeItem(at: file) }
        if !closed { unlink(partPath) }
    }

    /// Starts a sheet and writes its header row (bold, frozen, with a filter once rows follow).
    ///
    /// - Throws: a configuration error for a name Excel refuses (empty, over 31 characters, one of `[]:*?/\`,
    ///   an apostrophe at either end, a name already used, ignoring case), for no columns or more than Excel's
    ///   16,384, or when the previous sheet was not ended.
    public func beginSheet(name: String, columns: [SpreadsheetColumn]) throws(HubError) {
        guard !closed else { throw HubError(.configuration, "the workbook is already closed", location: location) }
        if let current {
            throw HubError(.configuration, "sheet \"\(current.name)\" is still open: end it before beginning \"\(name)\"",
                           location: location)
        }
        try validate(sheetName: name)
        guard !columns.isEmpty, columns.count <= SpreadsheetGrid.maximumColumns else {
            throw HubError(.configuration, "sheet \"\(name)\" must have 1 to \(SpreadsheetGrid.maximumColumns) "
                           + "columns, not \(columns.count)", location: location)
        }
        let file = folder.appendingPathComponent(
            ".\(URL(fileURLWithPath: path).lastPathComponent).\(UUID().uuidString).sheet\(sheets.count + 1).xml")
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: file.path)
        else {
            throw HubError.fileSystem(cannot: "write the workbook (its sheet \"\(name)\" is written beside it first)",
                                      path: path)
        }
        let sheet = OpenSheet(name: name, columns: columns, file: file, handle: handle)
        current = sheet
        sheet.raw(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n")
        sheet.raw(#"<worksheet xmlns="\#(XLSXPart.mainNamespace)" xmlns:r="\#(XLSXPart.relationshipsNamespace)">"#)
        // Printed (and exported to PDF) one page wide, in landscape: a report's columns stay together.
        sheet.raw(#"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#)
        sheet.raw(#"<sheetViews><sheetView workbookViewId="0"\#(sheets.isEmpty ? #" tabSelected="1""# : "")>"#)
        sheet.raw(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#)
        sheet.raw(#"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>"#)
        sheet.raw(#"<sheetFormatPr defaultRowHeight="15"/><cols>"#)
        for (index, column) in columns.enumerated() {
            let width = String(format: "%.2f", min(max(column.width.isFinite ? column.width : 14, 1), 255))
            sheet.raw(#"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"/>"#)
        }
        sheet.raw("</cols><sheetData>")
        try writeRow(columns.map { .text($0.title) }, in: sheet, bold: true)
    }

    /// Appends a data row: cell `i` goes under column `i`; a shorter row leaves the rest empty.
    ///
    /// - Throws: a configuration error for more cells than columns, or outside a sheet; an I/O error when the
    ///   temporary file cannot be written.
    public func append(_ row: [SpreadsheetCell]) throws(HubError) {
        let sheet = try openSheet()
        try writeRow(row, in: sheet, bold: false)
        sheet.lastDataRow = sheet.row
    }

    /// Appends a bold row such as the totals: `label` in the first column, then `row` laid out as in `append`,
    /// column for column (its first cell, where the label goes, must be `.empty` or absent). Amounts keep their
    /// `#,##0.00` format. The row stays outside the filter's range, so sorting the data leaves it at the bottom.
    public func appendTotals(label: String, _ row: [SpreadsheetCell]) throws(HubError) {
        let sheet = try openSheet()
        if let first = row.first, first != .empty {
            throw HubError(.configuration, "the totals row's first cell holds the label \"\(label)\"; pass .empty there",
                           location: location)
        }
        try writeRow([.text(label)] + row.dropFirst(), in: sheet, bold: true)
    }

    /// Ends the current sheet: closes its XML and, when it has data rows, sets the filter on the header.
    public func endSheet() throws(HubError) {
        let sheet = try openSheet()
        sheet.raw("</sheetData>")
        var filterRange: String?
        if sheet.lastDataRow > 1 {
            let range = "A1:\(sheet.letters[sheet.letters.count - 1])\(sheet.lastDataRow)"
            sheet.raw(#"<autoFilter ref="\#(range)"/>"#)
            filterRange = range
        }
        sheet.raw(#"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#)
        sheet.raw(#"<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>"#)
        sheet.raw("</worksheet>\n")
        current = nil
        sheets.append(WrittenSheet(name: sheet.name, file: sheet.file, filterRange: filterRange))
        do {
            try sheet.flush()
            try sheet.handle.close()
        } catch {
            throw HubError(.io, "cannot write sheet \"\(sheet.name)\" to its temporary file",
                           location: SourceLocation(source: sheet.file.path), cause: error)
        }
    }

    /// Ends a sheet still open, writes the workbook's parts and the sheets into `path.part`, deflated, and
    /// renames it over `path`. The temporary sheet files are removed whether this succeeds or not.
    ///
    /// - Throws: a configuration error for a workbook without sheets (Excel refuses those); an I/O error when
    ///   the archive cannot be written or moved into place (then `path` is left as it was).
    public func close() throws(HubError) {
        guard !closed else { return }
        if current != nil { try endSheet() }
        guard !sheets.isEmpty else {
            throw HubError(.configuration, "a workbook needs at least one sheet", location: location)
        }
        defer {
            for sheet in sheets { try? FileManager.default.removeItem(at: sheet.file) }
        }
        unlink(partPath)
        do {
            try writeArchive()
        } catch {
            unlink(partPath)
            throw HubError(.io, "cannot write the workbook", location: location, cause: error)
        }
        // rename(2) replaces an older workbook atomically: a reader never sees half a file.
        guard rename(partPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partPath)
            throw HubError(.io, "cannot move the workbook into place: \(reason)", location: location)
        }
        closed = true
    }

    // MARK: - Rows

    private func openSheet() throws(HubError) -> OpenSheet {
        guard let current else {
            throw HubError(.configuration, closed ? "the workbook is already closed" : "no sheet is open: call beginSheet first",
                           location: location)
        }
        return current
    }

    private func writeRow(_ cells: [SpreadsheetCell], in sheet: OpenSheet, bold: Bool) throws(HubError) {
        guard cells.count <= sheet.columns.count else {
            throw HubError(.configuration, "a row of sheet \"\(sheet.name)\" has \(cells.count) cells; the sheet has "
                           + "\(sheet.columns.count) columns", location: SourceLocation(source: path, line: sheet.row + 1))
        }
        guard sheet.row < SpreadsheetGrid.maximumRows else {
            throw HubError(.configuration, "sheet \"\(sheet.name)\" is full: Excel shows at most "
                           + "\(SpreadsheetGrid.maximumRows) rows", location: location)
        }
        sheet.row += 1
        let rowNumber = String(sheet.row)
        sheet.raw(#"<row r="\#(rowNumber)">"#)
        for (index, cell) in cells.enumerated() {
            let reference = sheet.letters[index] + rowNumber
            let isAmount = sheet.columns[index].isAmount
            switch cell {
            case .empty:
                continue
            case .text(let text):
                guard !text.isEmpty else { continue }
                sheet.raw(#"<c r="\#(reference)"\#(bold ? #" s="\#(XLSXPart.Style.bold)""# : "") t="inlineStr">"#)
                sheet.raw(#"<is><t xml:space="preserve">"#)
                SpreadsheetText.appendEscaped(SpreadsheetText.fitted(text), to: &sheet.buffer)
                sheet.raw("</t></is></c>")
            case .number(let number):
                guard SpreadsheetGrid.isPlainDecimal(number) else {
                    // Shown as written rather than lost: the reader of the report sees the odd value.
                    sheet.raw(#"<c r="\#(reference)"\#(bold ? #" s="\#(XLSXPart.Style.bold)""# : "") t="inlineStr">"#)
                    sheet.raw(#"<is><t xml:space="preserve">"#)
                    SpreadsheetText.appendEscaped(SpreadsheetText.fitted(number), to: &sheet.buffer)
                    sheet.raw("</t></is></c>")
                    continue
                }
                let style = switch (isAmount, bold) {
                case (true, true): XLSXPart.Style.boldAmount
                case (true, false): XLSXPart.Style.amount
                case (false, true): XLSXPart.Style.bold
                case (false, false): XLSXPart.Style.standard
                }
                sheet.raw(#"<c r="\#(reference)"\#(style == 0 ? "" : #" s="\#(style)""#)><v>\#(number)</v></c>"#)
            case .date(let date):
                if let serial = date.excelSerial {
                    sheet.raw(#"<c r="\#(reference)" s="\#(XLSXPart.Style.date)"><v>\#(serial)</v></c>"#)
                } else {
                    sheet.raw(#"<c r="\#(reference)" t="inlineStr"><is><t>\#(date.iso)</t></is></c>"#)
                }
            }
        }
        sheet.raw("</row>")
        if sheet.buffer.count >= OpenSheet.flushSize {
            do {
                try sheet.flush()
            } catch {
                throw HubError(.io, "cannot write sheet \"\(sheet.name)\" to its temporary file",
                               location: SourceLocation(source: sheet.file.path), cause: error)
            }
        }
    }

    private func validate(sheetName name: String) throws(HubError) {
        let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]
        var problem: String?
        if name.isEmpty {
            problem = "is empty"
        } else if name.utf16.count > 31 {
            problem = "is longer than Excel's 31 characters"
        } else if let character = name.first(where: forbidden.contains) {
            problem = "contains \"\(character)\", which Excel does not allow in sheet names ([ ] : * ? / \\)"
        } else if name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            problem = "contains a control character"
        } else if name.hasPrefix("'") || name.hasSuffix("'") {
            problem = "begins or ends with an apostrophe"
        } else if name.lowercased() == "history" {
            problem = "is reserved by Excel"
        } else if sheets.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            problem = "is already used in this workbook (Excel ignores case)"
        }
        if let problem {
            throw HubError(.configuration, "the sheet name \"\(name)\" \(problem)", location: location)
        }
    }

    // MARK: - Archive

    private func writeArchive() throws {
        // The archive is released (and its file closed) when this function returns, before the rename.
        let archive = try Archive(url: URL(fileURLWithPath: partPath), accessMode: .create)
        let names = sheets.map(\.name)
        let parts: [(String, String)] = [
            ("[Content_Types].xml", XLSXPart.contentTypes(sheetCount: sheets.count)),
            ("_rels/.rels", XLSXPart.packageRelationships),
            ("docProps/app.xml", XLSXPart.applicationProperties(sheetNames: names)),
            ("docProps/core.xml", XLSXPart.coreProperties(created: Date())),
            ("xl/workbook.xml", XLSXPart.workbook(sheets: sheets.map { ($0.name, $0.filterRange) })),
            ("xl/_rels/workbook.xml.rels", XLSXPart.workbookRelationships(sheetCount: sheets.count)),
            ("xl/styles.xml", XLSXPart.styles),
        ]
        for (name, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<min(Int(position) + size, data.count))
            }
        }
        for (index, sheet) in sheets.enumerated() {
            let handle = try FileHandle(forReadingFrom: sheet.file)
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            try archive.addEntry(with: "xl/worksheets/sheet\(index + 1).xml", type: .file,
                                 uncompressedSize: Int64(size), compressionMethod: .deflate) { position, size in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: size) ?? Data()
            }
        }
    }
}
