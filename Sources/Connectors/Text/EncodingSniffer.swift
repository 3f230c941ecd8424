/// Tells the encoding of a text file from its bytes, fed in chunks so the file is never held whole.
///
/// Strict UTF-8 (with or without a BOM) wins when every byte sequence is valid. Otherwise the file is a
/// Cyrillic single-byte code page, and the letter ranges decide: CP1251 puts capitals at 0xC0–0xDF and
/// `р…я` at 0xF0–0xFF, where CP866 has box-drawing and `Ёё`; CP866 puts letters at 0x80–0xAF, where CP1251
/// has rare punctuation. Statements are mostly letters, so the counts differ by orders of magnitude.
public struct EncodingSniffer: Sendable {
    public private(set) var hasBOM = false
    private var sawAnyByte = false
    private var utf8Valid = true
    /// Continuation bytes still expected by the current UTF-8 sequence.
    private var pendingContinuations = 0
    /// For the first continuation byte: the allowed range (to reject overlongs and surrogates).
    private var firstContinuationRange: ClosedRange<UInt8> = 0x80...0xBF
    private var cp1251Letters = 0
    /// Bytes ≥ 0x80 seen: zero means pure ASCII, which reads the same in every encoding.
    public private(set) var nonASCIIBytes = 0
    private var cp866Letters = 0
    private var bomProbe: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var start = 0
        if !sawAnyByte, !bytes.isEmpty {
            sawAnyByte = true
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                hasBOM = true
                start = 3
            }
        }
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte < 0x80 {
                if pendingContinuations > 0 { utf8Valid = false; pendingContinuations = 0 }
                continue
            }
            nonASCIIBytes += 1
            switch byte {
            case 0xC0...0xDF: cp1251Letters += 1
            case 0xF0...0xFF: cp1251Letters += 1
            default: break
            }
            if byte <= 0xAF { cp866Letters += 1 }
            guard utf8Valid else { continue }
            if pendingContinuations > 0 {
                if firstContinuationRange.contains(byte) {
                    pendingContinuations -= 1
                    firstContinuationRange = 0x80...0xBF
                } else {
                    utf8Valid = false
                }
                continue
            }
            switch byte {
            case 0xC2...0xDF: pendingContinuations = 1; firstContinuationRange = 0x80...0xBF
            case 0xE0: pendingContinuations = 2; firstContinuationRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: pendingContinuations = 2; firstContinuationRange = 0x80...0xBF
            case 0xED: pendingContinuations = 2; firstContinuationRange = 0x80...0x9F
            case 0xF0: pendingContinuations = 3; firstContinuationRange = 0x90...0xBF
            case 0xF1...0xF3: pendingContinuations = 3; firstContinuationRange = 0x80...0xBF
            case 0xF4: pendingContinuations = 3; firstContinuationRange = 0x80...0x8F
            default: utf8Valid = false
            }
        }
    }

    /// The verdict once every chunk has been fed.
    public var encoding: TextEncoding {
        if utf8Valid && pendingContinuations == 0 { return .utf8 }
        return cp866Letters > cp1251Letters ? .cp866 : .cp1251
    }
}
