import Foundation

extension Decimal {
    /// The value for a message, with at least two decimals (`79995000` → `79995000.00`, `-0.5` → `-0.50`), so a
    /// computed sum reads like the amounts it is compared with.
    var amountText: String {
        let text = NSDecimalNumber(decimal: self).stringValue
        guard let point = text.firstIndex(of: ".") else { return text + ".00" }
        let fraction = text.distance(from: point, to: text.endIndex) - 1
        return fraction >= 2 ? text : text + String(repeating: "0", count: 2 - fraction)
    }
}

extension String {
    /// The text as a JSON string literal (quotes, backslashes and control characters escaped).
    var jsonQuoted: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20: out += String(format: "\\u%04x", control.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
