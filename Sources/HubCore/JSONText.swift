/// Builds small JSON objects of string values without Foundation's serializer.
///
/// Hand-written because `JSONSerialization`/`JSONEncoder` allocate a dictionary and a `Data` per call and
/// reorder keys; a statement has millions of documents and we want the keys in the order the file had them.
public enum JSONText {
    /// `{"k":"v",…}` with keys in the given order; a key given twice keeps all its values joined by a newline.
    public static func object(_ pairs: [(key: String, value: String)]) -> String {
        if pairs.isEmpty { return "{}" }
        var merged: [(key: String, value: String)] = []
        merged.reserveCapacity(pairs.count)
        for pair in pairs {
            if let index = merged.firstIndex(where: { $0.key == pair.key }) {
                merged[index].value += "\n" + pair.value
            } else {
                merged.append(pair)
            }
        }
        var out = "{"
        for (index, pair) in merged.enumerated() {
            if index > 0 { out += "," }
            appendQuoted(pair.key, to: &out)
            out += ":"
            appendQuoted(pair.value, to: &out)
        }
        out += "}"
        return out
    }

    /// Appends `text` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
