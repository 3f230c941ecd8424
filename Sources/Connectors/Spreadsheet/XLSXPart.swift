import Foundation

/// The fixed parts of a workbook package that `XLSXWorkbookWriter` writes around its sheets (ECMA-376 Part 1
/// and Part 2, transitional): content types, relationships, document properties, the workbook and the styles.
enum XLSXPart {
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipsNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelationshipsNamespace = "http://schemas.openxmlformats.org/package/2006/relationships"
    private static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"

    /// Indices into `cellXfs` of `styles`.
    enum Style {
        static let standard = 0
        static let bold = 1
        /// `yyyy-mm-dd` (custom number format 164).
        static let date = 2
        /// `#,##0.00` (built-in number format 4).
        static let amount = 3
        static let boldAmount = 4
    }

    static func contentTypes(sheetCount: Int) -> String {
        var text = declaration
            + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" "#
            + #"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + #"<Override PartName="/xl/styles.xml" "#
            + #"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
            + #"<Override PartName="/docProps/core.xml" "#
            + #"ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
            + #"<Override PartName="/docProps/app.xml" "#
            + #"ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        for index in 1...sheetCount {
            text += #"<Override PartName="/xl/worksheets/sheet\#(index).xml" "#
                + #"ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        return text + "</Types>"
    }

    static let packageRelationships = declaration
        + #"<Relationships xmlns="\#(packageRelationshipsNamespace)">"#
        + #"<Relationship Id="rId1" Type="\#(relationshipsNamespace)/officeDocument" Target="xl/workbook.xml"/>"#
        + #"<Relationship Id="rId2" "#
        + #"Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" "#
        + #"Target="docProps/core.xml"/>"#
        + #"<Relationship Id="rId3" Type="\#(relationshipsNamespace)/extended-properties" Target="docProps/app.xml"/>"#
        + "</Relationships>"

    static func applicationProperties(sheetNames: [String]) -> String {
        var text = declaration
            + #"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" "#
            + #"xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#
            + "<Application>CRMHub</Application>"
            + #"<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>"#
            + "</vt:variant><vt:variant><vt:i4>\(sheetNames.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            + #"<TitlesOfParts><vt:vector size="\#(sheetNames.count)" baseType="lpstr">"#
        for name in sheetNames { text += "<vt:lpstr>\(escaped(name))</vt:lpstr>" }
        return text + "</vt:vector></TitlesOfParts></Properties>"
    }

    static func coreProperties(created: Date) -> String {
        let timestamp = ISO8601DateFormatter().string(from: created)
        return declaration
            + #"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#
            + #"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#
            + #"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
            + "<dc:creator>CRMHub</dc:creator>"
            + #"<dcterms:created xsi:type="dcterms:W3CDTF">\#(timestamp)</dcterms:created>"#
            + #"<dcterms:modified xsi:type="dcterms:W3CDTF">\#(timestamp)</dcterms:modified>"#
            + "</cp:coreProperties>"
    }

    /// The sheets in order (`r:id` `rId1`… matches `workbookRelationships`), and for each sheet with a filter the
    /// hidden `_xlnm._FilterDatabase` name Excel itself keeps for it.
    static func workbook(sheets: [(name: String, filterRange: String?)]) -> String {
        var text = declaration
            + #"<workbook xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipsNamespace)">"#
            + #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, sheet) in sheets.enumerated() {
            text += #"<sheet name="\#(escaped(sheet.name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        text += "</sheets>"
        let filters = sheets.enumerated().compactMap { index, sheet in
            sheet.filterRange.map { (index, sheet.name, $0) }
        }
        if !filters.isEmpty {
            text += "<definedNames>"
            for (index, name, range) in filters {
                // 'Sheet name'!$A$1:$D$10, with apostrophes in the name doubled.
                let quoted = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
                let absolute = range.split(separator: ":").map { reference in
                    let letters = reference.prefix { $0.isLetter }
                    return "$\(letters)$\(reference.dropFirst(letters.count))"
                }.joined(separator: ":")
                text += #"<definedName name="_xlnm._FilterDatabase" localSheetId="\#(index)" hidden="1">"#
                    + escaped("\(quoted)!\(absolute)") + "</definedName>"
            }
            text += "</definedNames>"
        }
        return text + "</workbook>"
    }

    static func workbookRelationships(sheetCount: Int) -> String {
        var text = declaration + #"<Relationships xmlns="\#(packageRelationshipsNamespace)">"#
        for index in 1...sheetCount {
            text += #"<Relationship Id="rId\#(index)" Type="\#(relationshipsNamespace)/worksheet" "#
                + #"Target="worksheets/sheet\#(index).xml"/>"#
        }
        text += #"<Relationship Id="rId\#(sheetCount + 1)" Type="\#(relationshipsNamespace)/styles" "#
            + #"Target="styles.xml"/>"#
        return text + "</Relationships>"
    }

    /// Five cell formats (`Style`); the fills hold the two Excel requires (none, gray125).
    static let styles = declaration
        + #"<styleSheet xmlns="\#(mainNamespace)">"#
        + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        + #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill>"#
        + #"<fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="5">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>"#
        + "</cellXfs>"
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"

    static func escaped(_ text: String) -> String {
        var buffer: [UInt8] = []
        SpreadsheetText.appendEscaped(text, to: &buffer, underscoreEscapes: false)
        return String(decoding: buffer, as: UTF8.self)
    }
}
