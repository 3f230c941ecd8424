import Foundation
import HubCore
import ZIPFoundation

/// Reads the cells of an Excel workbook (`.xlsx`) as text: ours (`XLSXWorkbookWriter`), and those Excel and
/// LibreOffice write (shared strings, rich text runs, formula results, cells without references).
///
/// The parts are inflated straight into the streaming XML reader (`XMLStreamReader`: no DTDs, no entities), one
/// `<row>` at a time; none is extracted to disk. An inflated part may not exceed `maximumPartSize`, so a small
/// "zip bomb" cannot fill the memory. Only the shared strings table is kept for the reader's lifetime.
public struct XLSXWorkbookReader {
    /// The largest inflated part read (200 MiB); bigger ones are refused.
    public static let maximumPartSize: Int64 = 200 * 1024 * 1024

    public let path: String
    /// The sheets in the workbook's order (tab order).
    public let sheetNames: [String]
    private let sheetParts: [String]
    private let sharedStrings: [String]
    private let archive: Archive

    /// Opens the workbook and reads its sheet list and shared strings.
    ///
    /// - Throws: a malformed-input error for a file that is not a ZIP archive, an archive without a workbook,
    ///   XML that is not well-formed, or a part over `maximumPartSize`; an I/O error for a missing file.
    public init(path: String) throws(HubError) {
        self.path = path
        let location = SourceLocation(source: path)
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HubError(.io, "cannot read the workbook: no such readable file", location: location)
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw HubError(.malformedInput, "not an Excel workbook (.xlsx): the file is not a ZIP archive",
                           location: location, cause: error)
        }
        let archive = self.archive
        do {
            let workbookPart = try Self.relationships(in: archive, path: path, ofPart: "")
                .first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
            guard Self.entry(workbookPart, in: archive) != nil else {
                throw HubError(.malformedInput, "not an Excel workbook (.xlsx): the archive has no \(workbookPart)",
                               location: location)
            }
            let relationships = try Self.relationships(in: archive, path: path, ofPart: workbookPart)
            var names: [String] = []
            var parts: [String] = []
            try Self.parse(workbookPart, in: archive, path: path, recordDepth: 3, keep: { $0 == "sheet" }) { sheet in
                guard let name = sheet.attribute("name"), let id = sheet.attribute("id"),
                      let part = relationships.first(where: { $0.id == id })?.target
                else {
                    throw HubError(.malformedInput, "a sheet of the workbook has no name or no part",
                                   location: SourceLocation(source: "\(path):\(workbookPart)", line: sheet.line))
                }
                names.append(name)
                parts.append(part)
            }
            sheetNames = names
            sheetParts = parts
            var strings: [String] = []
            let sharedStringsPart = relationships.first { $0.type.hasSuffix("/sharedStrings") }?.target
                ?? "xl/sharedStrings.xml"
            if Self.entry(sharedStringsPart, in: archive) != nil {
                try Self.parse(sharedStringsPart, in: archive, path: path, recordDepth: 2, keep: { $0 == "si" }) {
                    strings.append(Self.stringItem($0))
                }
            }
            sharedStrings = strings
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.malformedInput, "cannot read the workbook", location: location, cause: error)
        }
    }

    /// The rows of sheet `name`, each as the text of its cells: shared and inline strings resolved, numbers as
    /// written (`45600000`, `-15000`; dates are serial numbers, see `CalendarDate(excelSerial:)`), booleans as
    /// `1`/`0`, formulas as their cached result. Missing cells between two others are `""`; trailing empty cells
    /// and trailing empty rows are dropped; a missing row before a later one is `[]`, so index `i` is row `i + 1`.
    ///
    /// - Throws: a malformed-input error naming the file when the workbook has no such sheet, or when the sheet
    ///   cannot be read.
    public func rows(ofSheet name: String) throws(HubError) -> [[String]] {
        guard let index = sheetNames.firstIndex(of: name) else {
            let file = URL(fileURLWithPath: path).lastPathComponent
            throw HubError(.malformedInput,
                           "the workbook \(file) has no sheet \"\(name)\"; its sheets are "
                               + sheetNames.map { "\"\($0)\"" }.joined(separator: ", "),
                           location: SourceLocation(source: path))
        }
        let part = sheetParts[index]
        let source = "\(path):\(part)"
        var rows: [[String]] = []
        do {
            try Self.parse(part, in: archive, path: path, recordDepth: 3, keep: { $0 == "row" }) { row in
                let number = try row.attribute("r").map { text in
                    guard let number = Int(text), number > rows.count, number <= SpreadsheetGrid.maximumRows else {
                        throw HubError(.malformedInput, "row number \"\(text)\" is out of order or beyond the grid",
                                       location: SourceLocation(source: source, line: row.line))
                    }
                    return number
                } ?? rows.count + 1
                while rows.count < number - 1 { rows.append([]) }
                rows.append(try cells(of: row, source: source))
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.malformedInput, "cannot read sheet \"\(name)\"", location: SourceLocation(source: source),
                           cause: error)
        }
        while rows.last?.isEmpty == true { rows.removeLast() }
        return rows
    }

    private func cells(of row: XMLElementNode, source: String) throws -> [String] {
        var cells: [String] = []
        for cell in row.children(named: "c") {
            var column = cells.count
            if let reference = cell.attribute("r") {
                guard let position = SpreadsheetGrid.cellPosition(reference), position.column >= cells.count else {
                    throw HubError(.malformedInput, "cell reference \"\(reference)\" is invalid or out of order",
                                   location: SourceLocation(source: source, line: cell.line))
                }
                column = position.column
            }
            guard column < SpreadsheetGrid.maximumColumns else {
                throw HubError(.malformedInput, "a cell lies beyond Excel's last column (XFD)",
                               location: SourceLocation(source: source, line: cell.line))
            }
            let value: String
            switch cell.attribute("t") {
            case "s":
                guard let text = cell.value("v"), let index = Int(text), sharedStrings.indices.contains(index) else {
                    throw HubError(.malformedInput, "cell \(cell.attribute("r") ?? "") refers to a shared string "
                                   + "that does not exist", location: SourceLocation(source: source, line: cell.line))
                }
                value = sharedStrings[index]
            case "inlineStr":
                value = cell["is"].map(Self.stringItem) ?? ""
            case "str":
                // A formula's text result, kept exactly (spaces included).
                value = SpreadsheetText.decodingEscapes(cell["v"]?.text ?? "")
            default:
                // Numbers (`n` or no type), booleans (`b`), errors (`e`) and ISO dates (`d`), as written.
                value = cell.value("v") ?? ""
            }
            while cells.count < column { cells.append("") }
            cells.append(value)
        }
        while cells.last?.isEmpty == true { cells.removeLast() }
        return cells
    }

    /// The text of a string item (`<si>`, `<is>`): its `<t>`, or the `<t>` of each rich text run (`<r>`) in
    /// order; phonetic runs (`<rPh>`) are not part of the text.
    private static func stringItem(_ item: XMLElementNode) -> String {
        var text = ""
        for child in item.children {
            switch child.name {
            case "t": text += child.text
            case "r": text += child["t"]?.text ?? ""
            default: continue
            }
        }
        return SpreadsheetText.decodingEscapes(text)
    }

    // MARK: - Package

    private struct Relationship {
        var id: String
        var type: String
        /// The target's path inside the package (resolved against the source part's folder).
        var target: String
    }

    /// The relationships of `part` (`""` for the package's own, `_rels/.rels`); none when the part has none.
    private static func relationships(in archive: Archive, path: String, ofPart part: String) throws
        -> [Relationship] {
        let folder = part.split(separator: "/").dropLast().joined(separator: "/")
        let file = part.split(separator: "/").last.map(String.init) ?? ""
        let relationshipsPart = (folder.isEmpty ? "" : folder + "/") + "_rels/\(file).rels"
        guard entry(relationshipsPart, in: archive) != nil else { return [] }
        var relationships: [Relationship] = []
        try parse(relationshipsPart, in: archive, path: path, recordDepth: 2, keep: { $0 == "Relationship" }) { node in
            guard node.attribute("TargetMode") != "External", let id = node.attribute("Id"),
                  let type = node.attribute("Type"), let target = node.attribute("Target")
            else { return }
            relationships.append(Relationship(id: id, type: type, target: resolve(target, from: folder)))
        }
        return relationships
    }

    /// `worksheets/sheet1.xml` from `xl` → `xl/worksheets/sheet1.xml`; `/xl/…` is from the package root.
    private static func resolve(_ target: String, from folder: String) -> String {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : (folder.isEmpty ? "" : folder + "/") + target
        var components: [Substring] = []
        for component in joined.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return components.joined(separator: "/")
    }

    /// The entry for a part name; part names are case-insensitive (OPC), archive paths usually match exactly.
    private static func entry(_ part: String, in archive: Archive) -> Entry? {
        if let entry = archive[part] { return entry }
        let lowercased = part.lowercased()
        return archive.first { $0.path.lowercased() == lowercased }
    }

    /// Inflates `part` into an `XMLStreamReader` chunk by chunk and hands over each record at `recordDepth`.
    private static func parse(
        _ part: String, in archive: Archive, path: String, recordDepth: Int, keep: @escaping (String) -> Bool,
        record: (XMLElementNode) throws -> Void
    ) throws {
        let source = "\(path):\(part)"
        guard let entry = entry(part, in: archive), entry.type == .file else {
            throw HubError(.malformedInput, "the workbook has no part \(part)", location: SourceLocation(source: path))
        }
        let tooLarge = HubError(.malformedInput, "\(part) inflates to more than \(maximumPartSize / 1024 / 1024) MiB; "
                                + "refused as a possible zip bomb", location: SourceLocation(source: path))
        // The declared size can lie: the inflated bytes are counted as well.
        guard entry.uncompressedSize <= UInt64(maximumPartSize) else { throw tooLarge }
        let reader = XMLStreamReader(source: source, recordDepth: recordDepth, keepRecord: keep)
        func handle(_ event: XMLStreamEvent) throws {
            if case .record(let node, _, _) = event { try record(node) }
        }
        var inflated: Int64 = 0
        _ = try archive.extract(entry) { data in
            inflated += Int64(data.count)
            guard inflated <= maximumPartSize else { throw tooLarge }
            try data.withUnsafeBytes { try reader.parse($0, emit: handle) }
        }
        try reader.finish(emit: handle)
    }
}
