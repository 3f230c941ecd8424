/// One rule for control characters in file contents, shared by every reader and every message that quotes a
/// file: text formats hold no C0 control character other than tab, CR and LF (a NUL cannot even be stored in a
/// PostgreSQL text value), and what CRMHub prints never carries one to the terminal.
public enum ControlCharacters {
    /// Whether a byte of a text line is a control character the formats do not allow: C0 other than tab
    /// (CR and LF end lines before a line is looked at). Single-byte code pages and UTF-8 agree on these bytes.
    @inline(__always)
    public static func isDisallowed(_ byte: UInt8) -> Bool { byte < 0x20 && byte != 0x09 }

    /// The offset of the first disallowed byte, if any. For callers outside the line splitter, which finds
    /// these bytes in the pass it makes anyway.
    public static func firstDisallowed(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        bytes.firstIndex(where: isDisallowed)
    }

    /// How a reason names the byte: "a NUL byte", "a control character U+001B (ESC)".
    public static func describe(_ byte: UInt8) -> String {
        if byte == 0 { return "a NUL byte" }
        let names = ["NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR",
                     "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
                     "FS", "GS", "RS", "US"]
        let hex = String(byte, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: 4 - hex.count) + hex
        return byte < 0x20 ? "a control character \(code) (\(names[Int(byte)]))" : "the character \(code)"
    }

    /// The 1-based character column of byte `offset` of a line: in UTF-8 a character is one lead byte and its
    /// continuation bytes; in the single-byte code pages every byte is a character.
    public static func column(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>, isUTF8: Bool) -> Int {
        guard isUTF8 else { return offset + 1 }
        var characters = 0
        for byte in bytes[..<min(offset, bytes.count)] where byte & 0xC0 != 0x80 { characters += 1 }
        return characters + 1
    }
}

extension String {
    /// The text with every control character shown as a visible escape, for messages that quote a file:
    /// `\0` for NUL, `\t`, `\n`, `\r`, `\u{1B}` for the other C0 characters, DEL and the C1 range (U+0080–U+009F,
    /// where a terminal reads U+009B as the start of an escape sequence), and `\u{FFFD}` left as the
    /// replacement character it is. Cut to `limit` characters (with `…`) so that a file of garbage cannot
    /// flood a terminal or a log line; nil keeps it whole.
    ///
    /// - Parameter keepingLineBreaks: keep tab, LF and CR as they are (for a record's raw text, whose lines
    ///   are joined with LF); the other control characters are still escaped.
    public func escapingControlCharacters(limit: Int? = 80, keepingLineBreaks: Bool = false) -> String {
        // The common case: nothing to escape and short enough. One pass over the scalars, no copy.
        let needsEscape = unicodeScalars.contains { Self.needsEscape($0, keepingLineBreaks: keepingLineBreaks) }
        if !needsEscape, limit.map({ unicodeScalars.count <= $0 }) ?? true { return self }
        var out = ""
        var characters = 0
        for scalar in unicodeScalars {
            if let limit, characters >= limit {
                out += "…"
                break
            }
            characters += 1
            guard Self.needsEscape(scalar, keepingLineBreaks: keepingLineBreaks) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\0": out += "\\0"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool) -> Bool {
        let value = scalar.value
        if keepingLineBreaks, value == 0x09 || value == 0x0A || value == 0x0D { return false }
        return value < 0x20 || (0x7F...0x9F).contains(value)
    }
}

extension String {
    /// Without ASCII spaces and tabs at either end; a byte-level trim for fields read by the million (Foundation's
    /// `trimmingCharacters` bridges through `NSString`).
    public var trimmingSpacesAndTabs: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last,
              first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return self }
        var start = utf8.startIndex, end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start, utf8[utf8.index(before: end)] == 0x20 || utf8[utf8.index(before: end)] == 0x09 {
            end = utf8.index(before: end)
        }
        return String(self[start..<end])
    }
}
