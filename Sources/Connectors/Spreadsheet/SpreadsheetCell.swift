import HubCore

/// One cell of a row written by `XLSXWorkbookWriter`.
public enum SpreadsheetCell: Sendable, Equatable {
    case text(String)
    /// A decimal as text (`"45600000.00"`, `"-15000"`), written into the cell exactly as given: never through a
    /// `Double`, so no digits are lost or invented on the way. Anything that is not a plain decimal
    /// (`-?digits[.digits]`) is written as text instead, so a bad value is visible rather than a broken file.
    case number(String)
    /// Written as an Excel serial day number with the `yyyy-mm-dd` date format; dates before 1900-03-01 (where
    /// Excel's serial numbers are ambiguous) are written as ISO text.
    case date(CalendarDate)
    case empty
}

/// A column of a sheet: its header, its width (in characters of the default font) and whether it holds
/// amounts (shown as `#,##0.00`).
public struct SpreadsheetColumn: Sendable, Equatable {
    public var title: String
    /// Clamped to 1...255, Excel's limits.
    public var width: Double
    /// Numbers in this column get the `#,##0.00` format; in a totals row they are bold too.
    public var isAmount: Bool

    public init(title: String, width: Double = 14, isAmount: Bool = false) {
        self.title = title
        self.width = width
        self.isAmount = isAmount
    }
}

/// The limits and the reference arithmetic of SpreadsheetML that the writer and the reader share.
enum SpreadsheetGrid {
    /// Excel's grid: 1,048,576 rows by 16,384 columns (`XFD`).
    static let maximumRows = 1_048_576
    static let maximumColumns = 16_384
    /// The most characters (UTF-16 code units) Excel keeps in one cell; longer text makes it "repair" the file.
    static let maximumCellText = 32_767

    /// `0` → `A`, `25` → `Z`, `26` → `AA`, `16383` → `XFD`.
    static func columnLetters(_ index: Int) -> String {
        var number = index + 1
        var letters: [UInt8] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.append(UInt8(ascii: "A") + UInt8(remainder))
            number = (number - 1) / 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// The zero-based column and one-based row of an A1 reference (`AB12` → (27, 12)); the row is nil when the
    /// reference has none (`AB`). Nil for anything else or beyond the grid.
    static func cellPosition(_ reference: String) -> (column: Int, row: Int?)? {
        var column = 0
        var row = 0
        var letters = 0
        var digits = 0
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
                column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
                letters += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z") where digits == 0:
                column = column * 26 + Int(byte - UInt8(ascii: "a")) + 1
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0:
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "$"):
                continue
            default:
                return nil
            }
            if letters > 3 || digits > 7 { return nil }
        }
        guard letters > 0, column <= maximumColumns, row <= maximumRows else { return nil }
        return (column - 1, digits > 0 ? row : nil)
    }

    /// Whether `text` is a plain decimal: an optional minus, digits, and optionally a point and more digits.
    static func isPlainDecimal(_ text: String) -> Bool {
        var sawDigit = false
        var sawPoint = false
        var digitsAfterPoint = 0
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                if sawPoint { digitsAfterPoint += 1 }
            case UInt8(ascii: ".") where sawDigit && !sawPoint:
                sawPoint = true
            default:
                return false
            }
        }
        return sawDigit && (!sawPoint || digitsAfterPoint > 0)
    }
}
