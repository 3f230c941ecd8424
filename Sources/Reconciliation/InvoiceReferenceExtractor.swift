/// Finds the invoice numbers (and contract numbers) a payer's free-text payment purpose refers to.
///
/// One left-to-right pass over the purpose's normalised bytes (see `PurposeText` for the transliteration), with
/// no regular expressions and no Foundation: about a microsecond for a 100-character purpose in a release
/// build. Things that only look like numbers are masked, never returned: dates, amounts with a decimal part or
/// thousands separated by spaces, percentages, numbers after a VAT word, 5-, 9-, 14- and 20-digit numbers
/// without an invoice keyword (MFO, INN, PINFL, account), years (`2025 год`, `fevral 2025`), counts (`3 шт.`),
/// list markers (`1)`), ordinals (`1-й платеж`), our own payment order's number (`п/п 227`), numbers after
/// INN/MFO/account/amount words, and `maskedNumbers`. Numbers after a contract keyword are contracts.
package struct InvoiceReferenceExtractor: Sendable {
    package let vocabulary: PurposeVocabulary
    let lexicon: PurposeLexicon

    package init(vocabulary: PurposeVocabulary = .standard) {
        self.vocabulary = vocabulary
        self.lexicon = PurposeLexicon(vocabulary: vocabulary)
    }

    /// The invoice and contract numbers `purpose` refers to. Pure: the same purpose gives the same references.
    ///
    /// `maskedNumbers`: the payer's INN/PINFL and accounts when known, masked even if they appear without
    /// context (compared by their digits).
    package func extract(_ purpose: String, maskedNumbers: [String] = []) -> PurposeReferences {
        let text = PurposeText(purpose)
        let masked: [[UInt8]] = maskedNumbers.compactMap { number in
            let digits = number.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }
            return digits.isEmpty ? nil : Array(digits)
        }
        return text.bytes.withUnsafeBufferPointer { bytes in
            var scan = PurposeScan(bytes: bytes, text: text, lexicon: lexicon, masked: masked)
            scan.run()
            return scan.result
        }
    }

    /// The keys an invoice's own number is compared by (same normalisation as references): `0000-001234` →
    /// ("0000-001234", "1234", "1234"); `SF-2025/0147` → ("SF-2025/0147", "20250147", "147");
    /// `БП-000123` → ("BP-000123", "123", "123"). A leading number sign (`№ 12`) is not part of the number.
    package static func keys(forInvoiceNumber number: String) -> (normalized: String, numericCore: String, serialCore: String) {
        let text = PurposeText(number)
        var start = 0
        while start < text.bytes.count && (text.bytes[start] == 0x23 || text.bytes[start] == 0x20) { start += 1 }
        let range = start..<text.bytes.count
        var cores = text.bytes.withUnsafeBufferPointer { PurposeText.cores($0, range) }
        if cores.numeric.isEmpty && !cores.serial.isEmpty { cores.numeric = "0" }
        return (text.comparisonForm(range), cores.numeric, cores.serial)
    }
}

/// The state of one pass over a purpose.
struct PurposeScan {
    enum Expect: Equatable { case none, invoice, contract, paymentOrder, identity }

    let b: UnsafeBufferPointer<UInt8>
    let text: PurposeText
    let lexicon: PurposeLexicon
    let masked: [[UInt8]]
    var result = PurposeReferences()

    /// What the next identifier is, after a keyword.
    var expect = Expect.none
    /// After an identifier captured under a keyword: `,` `;` `и` `va` `&` `№` continue the list.
    var listKind = Expect.none
    /// After a VAT word, until the next ordinary word: percentages and amounts.
    var taxMode = false
    var previousWasMonth = false

    init(bytes: UnsafeBufferPointer<UInt8>, text: PurposeText, lexicon: PurposeLexicon, masked: [[UInt8]]) {
        self.b = bytes
        self.text = text
        self.lexicon = lexicon
        self.masked = masked
    }

    @inline(__always) func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
    @inline(__always) func isLetter(_ i: Int) -> Bool { i < b.count && PurposeLexicon.isLetter(b[i]) }

    mutating func run() {
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if c == 0x20 { i += 1; continue }
            let afterMonth = previousWasMonth
            previousWasMonth = false
            if PurposeLexicon.isLetter(c) {
                i = word(at: i)
            } else if c >= 0x30 && c <= 0x39 {
                i = compound(start: i, digits: i, invoicePrefix: false, afterMonth: afterMonth)
            } else {
                switch c {
                case 0x23: numberSign()  // # №
                case 0x2C, 0x3B, 0x26:  // , ; &
                    if listKind != .none { expect = listKind }
                case 0x2E, 0x3A, 0x2D, 0x2F, 0x25:  // . : - / % keep the context
                    break
                default:
                    expect = .none
                    listKind = .none
                }
                i += 1
            }
        }
    }

    mutating func numberSign() {
        if expect == .none { expect = listKind != .none ? listKind : .invoice }
    }

    /// A word at `i`: a keyword, a number sign, or the letter prefix of an identifier (`СФ-01234`, `N1234`).
    mutating func word(at i: Int) -> Int {
        var wordEnd = i
        while isLetter(wordEnd) { wordEnd += 1 }
        let keyword = lexicon.match(b, at: i)
        let end = keyword?.end ?? wordEnd
        let kind = keyword?.kind

        // Glued to digits: `sf-2025/0147`, `crm-005123`, `n1234`, `no0155`.
        if kind == nil || kind == .invoice || kind == .numberSign, end - i <= 5 {
            var digits = -1
            if isDigit(end) {
                digits = end
            } else if end + 1 < b.count && (b[end] == 0x2D || b[end] == 0x2F) && isDigit(end + 1) {
                digits = end + 1
            }
            if digits >= 0 {
                if kind == .numberSign {
                    numberSign()
                    return compound(start: digits, digits: digits, invoicePrefix: false, afterMonth: false)
                }
                return compound(start: i, digits: digits, invoicePrefix: kind == .invoice, afterMonth: false)
            }
        }

        switch kind {
        case .invoice?:
            expect = .invoice
            listKind = .none
        case .contract?:
            expect = .contract
            listKind = .none
        case .paymentOrder?:
            expect = .paymentOrder
            listKind = .none
        case .identity?:
            expect = .identity
            listKind = .none
        case .tax?:
            taxMode = true
            expect = .none
            listKind = .none
        case .advance?:
            result.mentionsAdvance = true
            expect = .none
            listKind = .none
        case .numberSign?:
            numberSign()
        case .filler?, .currency?:
            break
        case .conjunction?:
            if listKind != .none { expect = listKind }
        case .month?:
            previousWasMonth = true
            expect = .none
            listKind = .none
        case .yearWord?, .countWord?, .paymentWord?, nil:
            expect = .none
            listKind = .none
            taxMode = false
        }
        return end
    }

    /// A run of digit groups starting at `digits` (after a glued letter prefix from `start`), classified and
    /// recorded. Returns where scanning goes on.
    mutating func compound(start: Int, digits: Int, invoicePrefix: Bool, afterMonth: Bool) -> Int {
        let n = b.count
        // Digit groups separated by - / . (up to three remembered).
        var groupStart = (0, 0, 0)
        var groupEnd = (0, 0, 0)
        var separators: (UInt8, UInt8) = (0, 0)
        var groups = 0
        var uniformSeparator = true
        var j = digits
        while true {
            let s = j
            while isDigit(j) { j += 1 }
            switch groups {
            case 0: groupStart.0 = s; groupEnd.0 = j
            case 1: groupStart.1 = s; groupEnd.1 = j
            case 2: groupStart.2 = s; groupEnd.2 = j
            default: break
            }
            groups += 1
            if j + 1 < n, b[j] == 0x2D || b[j] == 0x2F || b[j] == 0x2E, isDigit(j + 1) {
                if groups == 1 { separators.0 = b[j] } else {
                    if groups == 2 { separators.1 = b[j] }
                    if b[j] != separators.0 { uniformSeparator = false }
                }
                j += 1
                continue
            }
            break
        }
        var end = j
        let pure = start == digits
        let length0 = groupEnd.0 - groupStart.0

        var isMasked = false
        var isListMarker = false

        // Amounts: a decimal part after a comma, `123.45`, or thousands separated by spaces.
        if end < n, b[end] == 0x2C, isDigit(end + 1), isDigit(end + 2), !isDigit(end + 3) {
            end += 3
            isMasked = true
        } else if groups == 2 && separators.0 == 0x2E && groupEnd.1 - groupStart.1 <= 2 {
            isMasked = true
        } else if pure && groups == 1 && length0 <= 3 {
            var k = end
            var thousands = 0
            while k < n, b[k] == 0x20, isDigit(k + 1), isDigit(k + 2), isDigit(k + 3), !isDigit(k + 4) {
                k += 4
                thousands += 1
            }
            if thousands > 0 {
                var decimal = false
                if k < n, b[k] == 0x2C || b[k] == 0x2E, isDigit(k + 1), isDigit(k + 2), !isDigit(k + 3) {
                    k += 3
                    decimal = true
                }
                if decimal || thousands >= 2 || followingKind(k) == .currency {
                    end = k
                    isMasked = true
                }
            }
        }

        // Dates and periods.
        if !isMasked && uniformSeparator && (groups == 3 || groups == 2) {
            isMasked = isDate(groups: groups, separator: separators.0, groupStart, groupEnd)
        }

        if !isMasked {
            let totalDigits = countDigits(digits..<end)
            let isYear = pure && groups == 1 && length0 == 4 && value(groupStart.0..<groupEnd.0) >= 1900
                && value(groupStart.0..<groupEnd.0) <= 2099
            var k = end
            if k < n && b[k] == 0x20 { k += 1 }
            if k < n && b[k] == 0x25 {
                isMasked = true  // 12%
            } else if taxMode {
                isMasked = true
            } else if pure && groups == 1 && totalDigits <= 2 && end < n && b[end] == 0x29
                && !(digits > 0 && b[digits - 1] == 0x28) {
                isMasked = true  // 1) 2) list markers
                isListMarker = true
            } else if pure && groups == 1 && totalDigits <= 2 && end + 1 < n && b[end] == 0x2D && isLetter(end + 1) {
                isMasked = true  // 1-й, 2-oy
            } else if afterMonth && isYear {
                isMasked = true  // за февраль 2025
            } else {
                switch followingKind(end) {
                case .countWord?: isMasked = true
                case .yearWord?: isMasked = isYear
                case .paymentWord?: isMasked = previousByte(before: start) == 0x28
                default: break
                }
            }
            if !isMasked && !masked.isEmpty && isMaskedNumber(digits..<end) { isMasked = true }

            if !isMasked {
                record(start: start, digits: digits, end: end, pure: pure, groups: groups,
                       separator: separators.0, groupStart: groupStart, groupEnd: groupEnd,
                       totalDigits: totalDigits, invoicePrefix: invoicePrefix)
                return end
            }
        }
        if !isListMarker {
            expect = .none
            listKind = .none
        }
        return end
    }

    mutating func record(
        start: Int, digits: Int, end: Int, pure: Bool, groups: Int, separator: UInt8,
        groupStart: (Int, Int, Int), groupEnd: (Int, Int, Int), totalDigits: Int, invoicePrefix: Bool
    ) {
        let context = invoicePrefix && expect != .contract ? Expect.invoice : expect
        switch context {
        case .paymentOrder, .identity:
            listKind = context
        case .contract:
            let id = text.comparisonForm(start..<end)
            if !result.contracts.contains(id) { result.contracts.append(id) }
            listKind = .contract
        case .invoice:
            if pure && totalDigits >= 16 {
                listKind = .none  // an account after `счет`
            } else {
                if pure && groups == 2 && separator == 0x2D,
                   expandRange(groupStart.0..<groupEnd.0, groupStart.1..<groupEnd.1) {
                } else {
                    addInvoice(start..<end, anchored: true)
                }
                listKind = .invoice
            }
        case .none:
            listKind = .none
            if pure && (totalDigits == 5 || totalDigits == 9 || totalDigits == 14 || totalDigits >= 16) { break }
            if totalDigits < 3 { break }
            addInvoice(start..<end, anchored: false)
        }
        expect = .none
    }

    mutating func addInvoice(_ range: Range<Int>, anchored: Bool) {
        let cores = PurposeText.cores(b, range)
        guard !cores.numeric.isEmpty else { return }  // 000
        if let k = result.invoices.firstIndex(where: { $0.numericCore == cores.numeric }) {
            if anchored { result.invoices[k].anchored = true }
            return
        }
        result.invoices.append(InvoiceReference(
            text: text.originalText(range), normalized: text.comparisonForm(range), numericCore: cores.numeric,
            serialCore: cores.serial, anchored: anchored, position: result.invoices.count))
    }

    /// `1234-1236` after an invoice keyword: each number, when both sides have the same length, the right is
    /// greater by at most 20 and the left is not all zeros.
    mutating func expandRange(_ left: Range<Int>, _ right: Range<Int>) -> Bool {
        guard left.count == right.count, left.count <= 18 else { return false }
        let low = value(left)
        let high = value(right)
        guard low > 0, high > low, high - low <= 20 else { return false }
        addInvoice(left, anchored: true)
        for number in (low + 1)...high {
            var digits = Array(String(number).utf8)
            while digits.count < left.count { digits.insert(0x30, at: 0) }
            let written = String(decoding: digits, as: UTF8.self)
            let core = String(number)
            if let k = result.invoices.firstIndex(where: { $0.numericCore == core }) {
                result.invoices[k].anchored = true
                continue
            }
            result.invoices.append(InvoiceReference(
                text: written, normalized: written, numericCore: core, serialCore: core, anchored: true,
                position: result.invoices.count))
        }
        return true
    }

    func isDate(groups: Int, separator: UInt8, _ starts: (Int, Int, Int), _ ends: (Int, Int, Int)) -> Bool {
        let l0 = ends.0 - starts.0
        let l1 = ends.1 - starts.1
        let v0 = value(starts.0..<ends.0)
        let v1 = value(starts.1..<ends.1)
        if groups == 2 {
            // mm.yyyy
            let v2 = v1
            return separator == 0x2E && l0 <= 2 && (1...12).contains(v0) && l1 == 4 && (1900...2099).contains(v2)
        }
        let l2 = ends.2 - starts.2
        let v2 = value(starts.2..<ends.2)
        let dayMonthYear = l0 <= 2 && l1 <= 2 && (1...31).contains(v0) && (1...12).contains(v1)
        switch separator {
        case 0x2E: return dayMonthYear && (l2 == 2 || l2 == 4)
        case 0x2F: return dayMonthYear && l2 == 4
        default:
            return (l0 == 4 && l1 <= 2 && l2 <= 2 && (1...12).contains(v1) && (1...31).contains(v2))
                || (dayMonthYear && l2 == 4)
        }
    }

    func value(_ range: Range<Int>) -> Int {
        var v = 0
        for k in range { v = v &* 10 &+ Int(b[k] &- 0x30) }
        return v
    }

    func countDigits(_ range: Range<Int>) -> Int {
        var count = 0
        for k in range where b[k] >= 0x30 && b[k] <= 0x39 { count += 1 }
        return count
    }

    func previousByte(before i: Int) -> UInt8 {
        var k = i - 1
        if k >= 0 && b[k] == 0x20 { k -= 1 }
        return k >= 0 ? b[k] : 0
    }

    /// The keyword right after a number (`3 шт`, `2025 год`, `1-й платеж`), skipping a space or an ordinal suffix.
    func followingKind(_ i: Int) -> PurposeLexicon.Kind? {
        var k = i
        if k < b.count && b[k] == 0x20 { k += 1 }
        if k < b.count && b[k] == 0x2D && isLetter(k + 1) {
            // ordinal suffix: -й, -oy, -chi
            var e = k + 1
            while isLetter(e) { e += 1 }
            if e - k <= 4 {
                k = e
                if k < b.count && b[k] == 0x20 { k += 1 }
            }
        }
        guard isLetter(k) else { return nil }
        return lexicon.match(b, at: k)?.kind
    }

    func isMaskedNumber(_ range: Range<Int>) -> Bool {
        let count = countDigits(range)
        for number in masked where number.count == count {
            var k = 0
            var equal = true
            for i in range where b[i] >= 0x30 && b[i] <= 0x39 {
                if b[i] != number[k] { equal = false; break }
                k += 1
            }
            if equal { return true }
        }
        return false
    }
}
