/// Text as SpreadsheetML carries it: XML-escaped, and with OOXML's own `_xHHHH_` escapes.
///
/// Excel and LibreOffice read `_x000D_` inside a string as the character U+000D, so a literal `_x0041_` in
/// our text must be written as `_x005F_x0041_` (an escaped underscore) to come back unchanged, and the reader
/// decodes such sequences in what other programs wrote.
enum SpreadsheetText {
    /// Appends `text` escaped for element content or a double-quoted attribute. Characters XML 1.0 cannot carry
    /// (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF) are dropped.
    /// `underscoreEscapes` protects a literal `_xHHHH_` in cell text; names (sheets, properties) are not decoded.
    static func appendEscaped(_ text: String, to buffer: inout [UInt8], underscoreEscapes: Bool = true) {
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            switch scalar {
            case "&": buffer.append(contentsOf: "&amp;".utf8)
            case "<": buffer.append(contentsOf: "&lt;".utf8)
            case ">": buffer.append(contentsOf: "&gt;".utf8)
            case "\"": buffer.append(contentsOf: "&quot;".utf8)
            case "'": buffer.append(contentsOf: "&apos;".utf8)
            // A raw carriage return would be read back as a line feed (XML end-of-line handling).
            case "\r": buffer.append(contentsOf: "&#13;".utf8)
            case "\t", "\n": buffer.append(UInt8(scalar.value))
            case "_" where underscoreEscapes && startsEscape(scalars, at: index):
                buffer.append(contentsOf: "_x005F_".utf8)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                break
            default:
                if scalar.isASCII {
                    buffer.append(UInt8(scalar.value))
                } else {
                    buffer.append(contentsOf: String(scalar).utf8)
                }
            }
            index = scalars.index(after: index)
        }
    }

    /// `text` as one cell can hold it: unchanged when it has at most `SpreadsheetGrid.maximumCellText` UTF-16
    /// code units (what Excel counts), else its beginning followed by `cutMarker`, the whole within the limit.
    /// A longer text would make Excel "repair" the workbook and drop the cell; failing the whole report for one
    /// long purpose would be worse than showing most of it. The cut never splits a surrogate pair.
    static func fitted(_ text: String, limit: Int = SpreadsheetGrid.maximumCellText) -> String {
        let length = text.utf16.count
        guard length > limit else { return text }
        let marker = cutMarker(length)
        let keep = max(0, limit - marker.utf16.count)
        var end = text.utf16.index(text.utf16.startIndex, offsetBy: keep)
        // An index between the halves of a surrogate pair has no scalar position: step back to the pair's start.
        while end.samePosition(in: text.unicodeScalars) == nil { end = text.utf16.index(before: end) }
        return String(String.UnicodeScalarView(text.unicodeScalars[..<end])) + marker
    }

    /// What ends a cut cell: says how long the text was and where the whole of it is.
    static func cutMarker(_ length: Int) -> String {
        " … [cut: \(length) characters; the full text is in the warehouse]"
    }

    /// Replaces every `_xHHHH_` with the character it stands for (what Excel does when it reads a string).
    static func decodingEscapes(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")) else { return text }
        let scalars = text.unicodeScalars
        var result = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            if scalars[index] == "_", startsEscape(scalars, at: index) {
                let hexStart = scalars.index(index, offsetBy: 2)
                let hexEnd = scalars.index(hexStart, offsetBy: 4)
                let hex = String(String.UnicodeScalarView(scalars[hexStart..<hexEnd]))
                if let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) {
                    result.append(decoded)
                    index = scalars.index(after: hexEnd)
                    continue
                }
            }
            result.append(scalars[index])
            index = scalars.index(after: index)
        }
        return String(result)
    }

    /// Whether `_xHHHH_` (four hexadecimal digits) starts at `index`.
    private static func startsEscape(_ scalars: String.UnicodeScalarView, at index: String.UnicodeScalarView.Index)
        -> Bool {
        var position = index
        for expected in 0..<7 {
            guard position < scalars.endIndex else { return false }
            let scalar = scalars[position]
            switch expected {
            case 0, 6: guard scalar == "_" else { return false }
            case 1: guard scalar == "x" else { return false }
            default: guard scalar.properties.isASCIIHexDigit else { return false }
            }
            position = scalars.index(after: position)
        }
        return true
    }
}
