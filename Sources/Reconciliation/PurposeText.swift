/// A payment purpose reduced to lowercase ASCII bytes, with the position in the original text of each byte.
///
/// Transliteration (one scheme, shared by purposes and invoice numbers):
/// - A word written in Cyrillic only is transliterated phonetically, Russian-passport style: `с`→s, `ф`→f,
///   `р`→r, `н`→n, `в`→v, `х`→kh, `ш`→sh, `ч`→ch, `щ`→shch, `ж`→zh, `ц`→ts, `ю`→yu, `я`→ya, `ё`/`э`→e,
///   `й`/`ы`→y, `ь`/`ъ`→nothing; Uzbek `ў`→o, `ғ`→g, `қ`→q, `ҳ`→h. So `СФ-2025/0147` ≡ `SF-2025/0147`,
///   `К-77` ≡ `K-77`, `БП-000123` ≡ `BP-000123`, and keywords read the same in both scripts (`счет` = `schet`).
/// - A word that mixes Latin and Cyrillic letters is a typing accident, so its Cyrillic letters become the Latin
///   letters they look like: `С`→c, `Р`→p, `Н`→h, `В`→b, `Х`→x, `У`→y (А Е К М О Т map alike both ways):
///   `СRM-005123` with a Cyrillic С is `CRM-005123`.
/// - Apostrophes between letters (`o'`, `g'`, `ʻ`, `’`) are dropped (`to'lov` → `tolov`); `№` becomes `#`,
///   `°`/`º` become `o` (`N°` reads `no`); runs of white space (newlines included) become one space; dashes
///   become `-`; combining marks are dropped; any other letter becomes the byte 0x80.
struct PurposeText {
    var bytes: [UInt8]
    /// For each byte, the UTF-8 offset in `source` of the character it came from.
    var origin: [Int32]
    var source: String

    static let otherLetter: UInt8 = 0x80

    init(_ text: String) {
        var source = text
        // One pass over the UTF-8 bytes; no closure captures a mutable variable (that would cost a run-time
        // exclusivity check per byte).
        let (bytes, origin) = source.withUTF8 { utf8 in Self.normalize(utf8, CyrillicTables.shared) }
        self.source = source
        self.bytes = bytes
        self.origin = origin
    }

    /// The scalar at `i` and its length in bytes (malformed input reads as U+FFFD, one byte).
    @inline(__always)
    static func decode(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        let n = p.count
        if b0 & 0xE0 == 0xC0, i + 1 < n {
            return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2)
        }
        if b0 & 0xF0 == 0xE0, i + 2 < n {
            return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
        }
        if b0 & 0xF8 == 0xF0, i + 3 < n {
            return (((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6)
                | (UInt32(p[i + 3]) & 0x3F), 4)
        }
        return (0xFFFD, 1)
    }

    static func normalize(_ s: UnsafeBufferPointer<UInt8>, _ tables: CyrillicTables) -> ([UInt8], [Int32]) {
        // A UTF-8 byte gives at most two bytes (a 2-byte Cyrillic letter gives up to four: щ → shch).
        let capacity = 2 * s.count + 1
        var origin = [Int32](repeating: 0, count: capacity)
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { bytes, initialized in
            initialized = origin.withUnsafeMutableBufferPointer { origin in
                normalize(s, into: bytes.baseAddress!, origin.baseAddress!, tables)
            }
        }
        origin.removeLast(capacity - bytes.count)
        return (bytes, origin)
    }

    /// Writes the normalised bytes and their origins; returns how many.
    static func normalize(
        _ s: UnsafeBufferPointer<UInt8>, into bytes: UnsafeMutablePointer<UInt8>, _ origin: UnsafeMutablePointer<Int32>,
        _ tables: CyrillicTables
    ) -> Int {
        let n = s.count
        var count = 0
        var inWord = false
        var mixed = false
        var i = 0
        while i < n {
            let (v, length) = decode(s, i)
            let at = Int32(truncatingIfNeeded: i)
            defer { i += length }
            if v < 0x80 {
                let c = UInt8(truncatingIfNeeded: v)
                let lower = c | 0x20
                if lower >= 0x61 && lower <= 0x7A {
                    if !inWord { mixed = wordMixesScripts(s, from: i, tables) }
                    bytes[count] = lower; origin[count] = at; count += 1
                    inWord = true
                } else if c >= 0x30 && c <= 0x39 {
                    bytes[count] = c; origin[count] = at; count += 1
                    inWord = false
                } else if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                    if count > 0 && bytes[count - 1] != 0x20 { bytes[count] = 0x20; origin[count] = at; count += 1 }
                    inWord = false
                } else if c == 0x27 || c == 0x60 {
                    if !(inWord && i + 1 < n && isLetter(decode(s, i + 1).0, tables)) {
                        bytes[count] = 0x22; origin[count] = at; count += 1
                        inWord = false
                    }  // else Uzbek o' g': the word goes on
                } else {
                    bytes[count] = c; origin[count] = at; count += 1
                    inWord = false
                }
            } else if v >= 0x400 && v < 0x500 {
                let index = Int(v - 0x400)
                let packed = tables.phonetic[index]
                if packed == 0 {
                    bytes[count] = 0x22; origin[count] = at; count += 1
                    inWord = false
                } else {
                    if !inWord { mixed = wordMixesScripts(s, from: i, tables) }
                    inWord = true
                    let homoglyph = tables.homoglyph[index]
                    if mixed && homoglyph != 0 {
                        bytes[count] = homoglyph; origin[count] = at; count += 1
                    } else if packed != CyrillicTables.silent {
                        var p = packed
                        while p != 0 {
                            bytes[count] = UInt8(truncatingIfNeeded: p); origin[count] = at; count += 1
                            p >>= 8
                        }
                    }
                }
            } else {
                switch v {
                case 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
                    if count > 0 && bytes[count - 1] != 0x20 { bytes[count] = 0x20; origin[count] = at; count += 1 }
                    inWord = false
                case 0x2018, 0x2019, 0x02B9, 0x02BB, 0x02BC, 0x00B4:
                    if !(inWord && i + length < n && isLetter(decode(s, i + length).0, tables)) {
                        bytes[count] = 0x22; origin[count] = at; count += 1
                        inWord = false
                    }  // else Uzbek oʻ gʻ
                case 0x2116:
                    bytes[count] = 0x23; origin[count] = at; count += 1
                    inWord = false
                case 0xB0, 0xBA:
                    bytes[count] = 0x6F; origin[count] = at; count += 1
                    inWord = true
                case 0x2010...0x2015, 0x2212:
                    bytes[count] = 0x2D; origin[count] = at; count += 1
                    inWord = false
                case 0xFF10...0xFF19:
                    bytes[count] = UInt8(truncatingIfNeeded: v - 0xFF10) + 0x30; origin[count] = at; count += 1
                    inWord = false
                case 0x0300...0x036F:
                    break  // combining marks: й written as и + ◌̆ stays a letter of the word
                default:
                    if let scalar = Unicode.Scalar(v), scalar.properties.isAlphabetic {
                        bytes[count] = otherLetter; origin[count] = at; count += 1
                        inWord = true
                    } else {
                        bytes[count] = 0x22; origin[count] = at; count += 1
                        inWord = false
                    }
                }
            }
        }
        if count > 0 && bytes[count - 1] == 0x20 { count -= 1 }
        return count
    }

    @inline(__always)
    static func isLetter(_ v: UInt32, _ tables: CyrillicTables) -> Bool {
        if v < 0x80 { let l = v | 0x20; return l >= 0x61 && l <= 0x7A }
        if v >= 0x400 && v < 0x500 { return tables.phonetic[Int(v - 0x400)] != 0 }
        return false
    }

    /// Whether the word starting at `start` has both Latin and Cyrillic letters.
    static func wordMixesScripts(_ s: UnsafeBufferPointer<UInt8>, from start: Int, _ tables: CyrillicTables) -> Bool {
        var latin = false
        var cyrillic = false
        var i = start
        while i < s.count {
            let (v, length) = decode(s, i)
            if v < 0x80 {
                let l = v | 0x20
                if l >= 0x61 && l <= 0x7A {
                    latin = true
                } else if v != 0x27 && v != 0x60 {  // an apostrophe stays inside the word
                    break
                }
            } else if v >= 0x400 && v < 0x500 && tables.phonetic[Int(v - 0x400)] != 0 {
                cyrillic = true
            } else if !((v >= 0x300 && v <= 0x36F) || v == 0x2019 || v == 0x02BB || v == 0x02BC) {
                break
            }
            if latin && cyrillic { return true }
            i += length
        }
        return false
    }

    /// The uppercase comparison form of `bytes[range]`, spaces removed; other letters keep their own uppercase.
    func comparisonForm(_ range: Range<Int>) -> String {
        var result = ""
        var ascii: [UInt8] = []
        ascii.reserveCapacity(range.count)
        for i in range {
            let b = bytes[i]
            if b == Self.otherLetter {
                if !ascii.isEmpty {
                    result += String(decoding: ascii, as: UTF8.self)
                    ascii.removeAll(keepingCapacity: true)
                }
                let at = source.utf8.index(source.utf8.startIndex, offsetBy: Int(origin[i]))
                if let scalar = source.unicodeScalars[at...].first { result += String(scalar).uppercased() }
            } else if b != 0x20 {
                ascii.append(b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
            }
        }
        if result.isEmpty { return String(decoding: ascii, as: UTF8.self) }
        return result + String(decoding: ascii, as: UTF8.self)
    }

    /// The original characters that produced `bytes[range]`.
    func originalText(_ range: Range<Int>) -> String {
        guard !range.isEmpty else { return "" }
        let first = Int(origin[range.lowerBound])
        let last = Int(origin[range.upperBound - 1])
        var source = self.source
        return source.withUTF8 { utf8 in
            let end = last + Self.decode(utf8, last).1
            return String(decoding: UnsafeBufferPointer(rebasing: utf8[first..<end]), as: UTF8.self)
        }
    }

    /// All digits of `bytes[range]` and the last run of digits, each with leading zeros stripped.
    static func cores(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (numeric: String, serial: String) {
        var numeric: [UInt8] = []
        numeric.reserveCapacity(range.count)
        var serialStart = -1
        var serialEnd = -1
        var inRun = false
        for i in range {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                if !(numeric.isEmpty && b == 0x30) { numeric.append(b) }
                if !inRun { serialStart = i; inRun = true }
                serialEnd = i + 1
            } else {
                inRun = false
            }
        }
        var serial = ""
        if serialStart >= 0 {
            var s = serialStart
            while s < serialEnd - 1 && bytes[s] == 0x30 { s += 1 }
            serial = String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<serialEnd]), as: UTF8.self)
        }
        return (String(decoding: numeric, as: UTF8.self), serial)
    }
}

/// Transliteration tables for U+0400–U+04FF: the phonetic spelling (up to four ASCII bytes packed little-endian;
/// `silent` for ь ъ; 0 for code points that are not letters) and the Latin look-alike used inside mixed words.
struct CyrillicTables: Sendable {
    static let silent: UInt32 = 1
    let phonetic: [UInt32]
    let homoglyph: [UInt8]

    static let shared = CyrillicTables()

    private init() {
        var phonetic = [UInt32](repeating: 0, count: 256)
        var homoglyph = [UInt8](repeating: 0, count: 256)
        func pack(_ s: String) -> UInt32 {
            if s.isEmpty { return Self.silent }
            var value: UInt32 = 0
            for (k, b) in s.utf8.enumerated() { value |= UInt32(b) << (8 * UInt32(k)) }
            return value
        }
        // (lowercase, uppercase, phonetic, look-alike)
        let letters: [(UInt32, UInt32, String, Character?)] = [
            (0x430, 0x410, "a", "a"), (0x431, 0x411, "b", nil), (0x432, 0x412, "v", "b"), (0x433, 0x413, "g", nil),
            (0x434, 0x414, "d", nil), (0x435, 0x415, "e", "e"), (0x436, 0x416, "zh", nil), (0x437, 0x417, "z", nil),
            (0x438, 0x418, "i", nil), (0x439, 0x419, "y", nil), (0x43A, 0x41A, "k", "k"), (0x43B, 0x41B, "l", nil),
            (0x43C, 0x41C, "m", "m"), (0x43D, 0x41D, "n", "h"), (0x43E, 0x41E, "o", "o"), (0x43F, 0x41F, "p", nil),
            (0x440, 0x420, "r", "p"), (0x441, 0x421, "s", "c"), (0x442, 0x422, "t", "t"), (0x443, 0x423, "u", "y"),
            (0x444, 0x424, "f", nil), (0x445, 0x425, "kh", "x"), (0x446, 0x426, "ts", nil), (0x447, 0x427, "ch", nil),
            (0x448, 0x428, "sh", nil), (0x449, 0x429, "shch", nil), (0x44A, 0x42A, "", nil), (0x44B, 0x42B, "y", nil),
            (0x44C, 0x42C, "", nil), (0x44D, 0x42D, "e", nil), (0x44E, 0x42E, "yu", nil), (0x44F, 0x42F, "ya", nil),
            (0x451, 0x401, "e", "e"),
            // Uzbek, Kazakh, Ukrainian
            (0x45E, 0x40E, "o", nil), (0x493, 0x492, "g", nil), (0x49B, 0x49A, "q", nil), (0x4B3, 0x4B2, "h", nil),
            (0x456, 0x406, "i", "i"), (0x457, 0x407, "yi", nil), (0x454, 0x404, "ye", nil), (0x491, 0x490, "g", nil),
            (0x4D9, 0x4D8, "a", nil), (0x4E9, 0x4E8, "o", nil), (0x4AF, 0x4AE, "u", "y"), (0x4B1, 0x4B0, "u", nil),
            (0x4A3, 0x4A2, "ng", nil), (0x4BB, 0x4BA, "h", "h"), (0x458, 0x408, "j", "j"),
        ]
        for (lower, upper, spelling, lookAlike) in letters {
            for cp in [lower, upper] {
                phonetic[Int(cp - 0x400)] = pack(spelling)
                if let lookAlike { homoglyph[Int(cp - 0x400)] = lookAlike.asciiValue! }
            }
        }
        self.phonetic = phonetic
        self.homoglyph = homoglyph
    }
}
