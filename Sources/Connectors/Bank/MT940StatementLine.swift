import HubCore

/// The `:61:` statement line grammar: `6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]` and an optional second line of
/// supplementary details.
enum MT940StatementLine {
    struct Problem: Error {
        var reason: String
    }

    /// Parses the `:61:` field (its first line after the tag, then continuation lines) into a line without its
    /// `:86:` details.
    static func parse(_ lines: [String], info: StatementInfo, line: Int) -> Result<StatementLine, Problem> {
        let bytes = Array(lines[0].utf8)
        var index = 0
        func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
        func isLetter(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= 0x41 && bytes[at] <= 0x5A }
        func byte(_ at: Int) -> UInt8? { at < bytes.count ? bytes[at] : nil }

        // Value date YYMMDD.
        guard bytes.count >= 6, (0..<6).allSatisfy(isDigit), let valueDate = Self.date(bytes[0..<6]) else {
            return .failure(Problem(
                reason: ":61: \"\(lines[0].escapingControlCharacters(limit: 40))\" does not start with a YYMMDD value date"))
        }
        index = 6
        // Entry date MMDD, optional; some banks write four spaces instead.
        var entryMonthDay: (Int, Int)?
        if (index..<index + 4).allSatisfy(isDigit) {
            entryMonthDay = (Self.number(bytes[index..<index + 2]), Self.number(bytes[index + 2..<index + 4]))
            index += 4
        } else if index + 4 <= bytes.count, bytes[index..<index + 4].allSatisfy({ $0 == 0x20 }) {
            index += 4
        }
        // D/C mark: C, D, RC (reversal of a credit: money out), RD (reversal of a debit: money in).
        var reversal = false
        if byte(index) == UInt8(ascii: "R") {
            reversal = true
            index += 1
        }
        let isCredit: Bool
        switch byte(index) {
        case UInt8(ascii: "C"): isCredit = !reversal
        case UInt8(ascii: "D"): isCredit = reversal
        default:
            return .failure(Problem(reason: ":61: has no debit/credit mark (C, D, RC, RD) after the dates"))
        }
        index += 1
        // Funds code: an optional letter before the amount's digits.
        var fundsCode: String?
        if isLetter(index) {
            fundsCode = String(UnicodeScalar(bytes[index]))
            index += 1
        }
        let amountStart = index
        while index < bytes.count, isDigit(index) || bytes[index] == UInt8(ascii: ",") { index += 1 }
        let amountText = String(decoding: bytes[amountStart..<index], as: UTF8.self)
        guard let amount = Self.amount(amountText) else {
            return .failure(Problem(reason: ":61: amount \"\(amountText)\" is not a number with a decimal comma"))
        }
        // Transaction type: N, S or F and three characters (`NTRF`, `S103`).
        guard index + 4 <= bytes.count, [UInt8(ascii: "N"), UInt8(ascii: "S"), UInt8(ascii: "F")].contains(bytes[index])
        else {
            return .failure(Problem(reason: ":61: has no transaction type (NTRF, NCHG, S103, …) after the amount"))
        }
        let typeCode = String(decoding: bytes[index..<index + 4], as: UTF8.self)
        index += 4
        let references = String(decoding: bytes[index...], as: UTF8.self)
        var customerReference = references
        var bankReference: String?
        if let slashes = references.range(of: "//") {
            customerReference = String(references[..<slashes.lowerBound])
            bankReference = MT940Parser.trimmed(String(references[slashes.upperBound...]))
            if bankReference?.isEmpty == true { bankReference = nil }
        }
        customerReference = MT940Parser.trimmed(customerReference)

        var bookingDate = valueDate
        if let (month, day) = entryMonthDay {
            guard let entry = Self.entryDate(month: month, day: day, near: valueDate) else {
                return .failure(Problem(reason: ":61: entry date \(month)/\(day) (MMDD) is not a date"))
            }
            bookingDate = entry
        }
        let kind: StatementLine.Kind = typeCode == "NRTI" ? .return : reversal ? .reversal : .payment
        let supplementary = lines.dropFirst().map(MT940Parser.trimmed).filter { !$0.isEmpty }
        return .success(StatementLine(
            account: info.account, currency: info.currency, isCredit: isCredit, amount: amount,
            bookingDate: bookingDate, valueDate: valueDate, status: "BOOK", kind: kind,
            bankReference: bankReference, entryReference: bankReference,
            endToEndID: customerReference.isEmpty || customerReference == "NONREF" ? nil : customerReference,
            bankTransactionCode: typeCode, reversalMark: reversal, fundsCode: fundsCode,
            additionalInfo: supplementary.isEmpty ? [] : [supplementary.joined(separator: " ")], line: line))
    }

    /// `15d`: digits with a decimal comma (`250000000,00`, `1000,`); a point is accepted too.
    static func amount(_ text: String) -> ExactAmount? {
        var text = Substring(text)
        if text.last == "," || text.last == "." { text = text.dropLast() }
        return ExactAmount(parsing: text)
    }

    /// `YYMMDD`, years 00–79 as 20YY and 80–99 as 19YY.
    static func date(_ bytes: ArraySlice<UInt8>) -> CalendarDate? {
        guard bytes.count == 6, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let start = bytes.startIndex
        let year = number(bytes[start..<start + 2])
        return CalendarDate(year: year < 80 ? 2000 + year : 1900 + year, month: number(bytes[start + 2..<start + 4]),
                            day: number(bytes[start + 4..<start + 6]))
    }

    static func number(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// The `MMDD` entry date in the value date's year, moved a year back or forward when the two would be 330
    /// days or more apart (a booking on 2 January of a payment valued 31 December).
    static func entryDate(month: Int, day: Int, near value: CalendarDate) -> CalendarDate? {
        let candidates = [value.year, value.year + 1, value.year - 1].compactMap {
            CalendarDate(year: $0, month: month, day: day)
        }
        guard let same = candidates.first else { return nil }
        if same.year == value.year {
            let distance = dayNumber(same) - dayNumber(value)
            if distance >= 330 { return CalendarDate(year: value.year - 1, month: month, day: day) ?? same }
            if distance <= -330 { return CalendarDate(year: value.year + 1, month: month, day: day) ?? same }
        }
        return same
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    static func dayNumber(_ date: CalendarDate) -> Int {
        let year = date.month <= 2 ? date.year - 1 : date.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let monthIndex = date.month > 2 ? date.month - 3 : date.month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The `:86:` information to the account owner of one line, read for slash codewords
/// (`/ORDP/account/MFO/name/INN/…/REMI/…`).
///
/// Continuation lines are joined without a separator, because banks wrap at 65 characters mid-word
/// (`SF-2025/01` + `47`); a continuation line that starts with a space keeps it. Only the codewords below
/// delimit values, so a purpose such as `p/p 227` or `22/2025` stays whole; the rest stays in `rawDetails`.
struct MT940Details {
    var remittance: String?
    var ordering: Party?
    var beneficiary: Party?
    var inn: String?
    var pinfl: String?
    var returnReason: String?
    var endToEnd: String?
    var raw: String

    struct Party {
        var account: String?
        var bankCode: String?
        var name: String?
    }

    /// Codewords that start a value. The last group is read by nothing here but is recognised so that it ends
    /// the value before it (Dutch bank exports use them).
    static let codewords: Set<String> = [
        "ORDP", "BENM", "INN", "PINFL", "REMI", "RTRN", "EREF", "NBOFTXS",
        "CNTP", "PURP", "ULTC", "ULTD", "MARF", "CSID",
    ]

    static func parse(_ lines: [String]) -> MT940Details {
        let joined = lines.joined()
        var details = MT940Details(raw: lines.joined(separator: "\n"))
        let values = MT940Details.codewordValues(joined)
        guard !values.isEmpty else {
            let text = MT940Parser.trimmed(joined)
            details.remittance = text.isEmpty ? nil : text
            return details
        }
        for (code, value) in values {
            let text = MT940Parser.trimmed(value)
            switch code {
            case "ORDP": details.ordering = details.ordering ?? Self.party(text)
            case "BENM": details.beneficiary = details.beneficiary ?? Self.party(text)
            case "INN": details.inn = details.inn ?? (text.isEmpty ? nil : text)
            case "PINFL": details.pinfl = details.pinfl ?? (text.isEmpty ? nil : text)
            case "REMI": if !text.isEmpty { details.remittance = (details.remittance.map { $0 + " " } ?? "") + text }
            case "RTRN": details.returnReason = details.returnReason ?? (text.isEmpty ? nil : text)
            case "EREF": details.endToEnd = details.endToEnd ?? (text.isEmpty || text == "NONREF" ? nil : text)
            default: break
            }
        }
        return details
    }

    /// Splits `/CODE/value/CODE/value…` at the known codewords, in order.
    static func codewordValues(_ text: String) -> [(String, String)] {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return [] }
        var marks: [(code: String, codeStart: Int, valueStart: Int)] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "/") else {
                index += 1
                continue
            }
            var end = index + 1
            while end < bytes.count, end - index <= 8, bytes[end] >= 0x41, bytes[end] <= 0x5A { end += 1 }
            if end < bytes.count, bytes[end] == UInt8(ascii: "/"), end > index + 1 {
                let code = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                if codewords.contains(code) {
                    marks.append((code, index, end + 1))
                    index = end + 1
                    continue
                }
            }
            index += 1
        }
        return marks.enumerated().map { offset, mark in
            let end = offset + 1 < marks.count ? marks[offset + 1].codeStart : bytes.count
            return (mark.code, String(decoding: bytes[mark.valueStart..<max(end, mark.valueStart)], as: UTF8.self))
        }
    }

    /// `account/MFO/name`, `account/name`, `account` or just a name.
    static func party(_ text: String) -> Party {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { MT940Parser.trimmed(String($0)) }
        func isCode(_ part: String) -> Bool {
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) }
                && part.utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
        }
        var party = Party()
        var rest = parts[...]
        if let first = rest.first, isCode(first), parts.count > 1 || first.utf8.count >= 10 {
            party.account = first
            rest = rest.dropFirst()
            if let second = rest.first, !second.isEmpty, second.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                party.bankCode = second
                rest = rest.dropFirst()
            }
        }
        let name = rest.filter { !$0.isEmpty }.joined(separator: "/")
        party.name = name.isEmpty ? nil : name
        return party
    }

    /// Fills the line's counterparty, tax id, purpose and references from these details.
    func apply(to line: inout StatementLine) {
        let party = line.isCredit ? (ordering ?? beneficiary) : (beneficiary ?? ordering)
        line.counterpartyName = party?.name
        line.counterpartyAccount = party?.account
        line.counterpartyBankCode = party?.bankCode
        line.counterpartyTaxID = inn ?? pinfl
        line.remittanceLines = remittance.map { [$0] } ?? []
        line.returnReason = returnReason
        if line.endToEndID == nil { line.endToEndID = endToEnd }
        line.rawDetails = raw
    }
}
