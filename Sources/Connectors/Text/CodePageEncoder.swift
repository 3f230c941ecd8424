/// Encodes text into a Cyrillic single-byte code page (CP1251 or CP866), for files 1C and bank clients read.
///
/// Characters the code page cannot hold (Uzbek Қ Ғ Ҳ, the modifier letter ʻ, « » in CP866) become their
/// nearest letter (Қ→К, Ғ→Г, Ҳ→Х, ʻ→') or `?`, and are counted so the caller can report them.
public struct CodePageEncoder: Sendable {
    public let encoding: TextEncoding
    private let byteForScalar: [UInt32: UInt8]
    public private(set) var substitutions = 0

    static let transliteration: [Unicode.Scalar: Unicode.Scalar] = [
        "Қ": "К", "қ": "к", "Ғ": "Г", "ғ": "г", "Ҳ": "Х", "ҳ": "х", "ʻ": "'", "ʼ": "'", "«": "\"", "»": "\"",
    ]

    public init(encoding: TextEncoding) {
        precondition(encoding != .utf8, "CodePageEncoder is for single-byte code pages")
        self.encoding = encoding
        let table = encoding == .cp1251 ? CodePageTables.cp1251 : CodePageTables.cp866
        var map: [UInt32: UInt8] = [:]
        for (offset, scalar) in table.enumerated() { map[scalar] = UInt8(0x80 + offset) }
        byteForScalar = map
    }

    public mutating func encode(_ text: String, into bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else if let byte = byteForScalar[scalar.value] {
                bytes.append(byte)
            } else if let near = Self.transliteration[scalar], let byte = near.value < 0x80 ? UInt8(near.value) : byteForScalar[near.value] {
                substitutions += 1
                bytes.append(byte)
            } else {
                substitutions += 1
                bytes.append(UInt8(ascii: "?"))
            }
        }
    }
}
