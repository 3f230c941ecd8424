/// The keywords of payment purposes, normalised like the purposes and bucketed by first byte for matching.
///
/// The vocabulary's words come first; the fixed words below (payment orders, tax ids, number signs, months,
/// counts, currencies) complete it. At one position the longest matching entry wins.
struct PurposeLexicon: Sendable {
    enum Kind: UInt8, Sendable {
        case invoice, contract, advance, tax
        /// `п/п`, `платежное поручение`, `to'lov topshiriqnomasi`: our own payment order's number follows.
        case paymentOrder
        /// INN, MFO, account (`р/с`) and amount (`сумма`) words: the number that follows is not an invoice.
        case identity
        case numberSign, filler, conjunction, month, yearWord, countWord, paymentWord, currency
    }

    struct Entry: Sendable {
        var bytes: [UInt8]
        var kind: Kind
        /// Matches a word that starts with `bytes` (inflections), else only the whole word.
        var isStem: Bool
    }

    /// 27 buckets: `a`…`z`, then everything else.
    private let buckets: [[Entry]]

    init(vocabulary: PurposeVocabulary) {
        var entries: [Entry] = []
        func add(_ words: [String], _ kind: Kind, stems: Bool) {
            for word in words {
                var bytes = PurposeText(word).bytes
                while let last = bytes.last, last == 0x2E || last == 0x20 { bytes.removeLast() }
                guard !bytes.isEmpty else { continue }
                var stem = false
                if stems && bytes.count >= 4 {
                    stem = true
                    // Inflections change a final vowel: shartnoma → shartnomasi, predoplata → predoplaty.
                    if bytes.count >= 6, let last = bytes.last, [0x61, 0x65, 0x69, 0x6F, 0x75, 0x79].contains(last) {
                        bytes.removeLast()
                    }
                }
                if !entries.contains(where: { $0.bytes == bytes && $0.isStem == stem }) {
                    entries.append(Entry(bytes: bytes, kind: kind, isStem: stem))
                }
            }
        }
        add(vocabulary.invoiceAnchors, .invoice, stems: true)
        add(vocabulary.contractAnchors, .contract, stems: true)
        add(vocabulary.advanceWords, .advance, stems: true)
        add(vocabulary.taxWords, .tax, stems: false)
        add(["п/п", "пп", "p/p", "pp"], .paymentOrder, stems: false)
        add(["поруч", "topshiriqnoma"], .paymentOrder, stems: true)
        add(["инн", "inn", "stir", "стир", "pinfl", "jshshir", "mfo", "мфо", "bik", "бик", "okpo", "kpp", "кпп",
             "р/с", "r/s", "р/сч", "x/r", "х/р", "h/r", "л/с", "l/s", "ref", "реф"], .identity, stems: false)
        add(["reference", "референс"], .identity, stems: true)
        add(["сумм", "summ", "amount"], .identity, stems: true)
        add(["n", "no", "nr"], .numberSign, stems: false)
        add(["номер", "nomer", "number", "raqam"], .numberSign, stems: true)
        add(["по", "po"], .filler, stems: false)
        add(["и", "i", "va", "and", "ham"], .conjunction, stems: false)
        add(["yanvar", "fevral", "mart", "aprel", "may", "iyun", "iyul", "avgust", "sentyabr", "sentabr", "oktyabr",
             "oktabr", "noyabr", "dekabr", "january", "february", "march", "april", "june", "july", "august",
             "september", "october", "november", "december"], .month, stems: true)
        add(["may", "mai"], .month, stems: false)
        add(["g", "gg"], .yearWord, stems: false)
        add(["god", "yil", "year"], .yearWord, stems: false)
        add(["года", "goda", "godu", "yili", "yilda", "years"], .yearWord, stems: false)
        add(["sht", "pcs", "pc", "ta"], .countWord, stems: false)
        add(["штук", "dona"], .countWord, stems: true)
        add(["платеж", "tolov", "payment", "chast", "transh", "tranche"], .paymentWord, stems: true)
        add(["sum", "som", "uzs", "rub", "usd", "eur", "сум", "сўм", "руб"], .currency, stems: false)
        add(["rubl"], .currency, stems: true)

        var buckets = [[Entry]](repeating: [], count: 27)
        for entry in entries {
            let first = entry.bytes[0]
            buckets[first >= 0x61 && first <= 0x7A ? Int(first - 0x61) : 26].append(entry)
        }
        for k in buckets.indices {
            // Longest first; the sort is stable, so the vocabulary wins a tie.
            buckets[k] = buckets[k].enumerated()
                .sorted { ($0.element.bytes.count, -$0.offset) > ($1.element.bytes.count, -$1.offset) }
                .map(\.element)
        }
        self.buckets = buckets
    }

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || b == PurposeText.otherLetter }

    /// The keyword starting at `i` (a word start) and where it ends.
    func match(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (kind: Kind, end: Int)? {
        let first = b[i]
        let bucket = first >= 0x61 && first <= 0x7A ? Int(first - 0x61) : 26
        let n = b.count
        return buckets[bucket].withUnsafeBufferPointer { entries -> (kind: Kind, end: Int)? in
            for entry in entries {
                let count = entry.bytes.count
                guard i + count <= n else { continue }
                let equal = entry.bytes.withUnsafeBufferPointer { e -> Bool in
                    var k = 1
                    while k < count {
                        if e[k] != b[i + k] { return false }
                        k += 1
                    }
                    return true
                }
                guard equal else { continue }
                var end = i + count
                if entry.isStem {
                    while end < n && Self.isLetter(b[end]) { end += 1 }
                } else if end < n && Self.isLetter(b[end]) {
                    continue
                }
                return (entry.kind, end)
            }
            return nil
        }
    }
}
