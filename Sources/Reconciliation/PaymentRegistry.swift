import Foundation
import HubCore

/// A payment agent's (or a bank's) registry written into one line's purpose: the payers it pays for, each with
/// their INN or PINFL, name, amount and own purpose, as MT940 `:86:` carries it:
///
///     1) 207654321 BOG'DOD FERMER XK 7500000,00 SF-2025/0150; 2) 208765432 ZARAFSHON BOG'LARI MCHJ 6250000,00
///     sch.151 ot 05.03.25; 3) PINFL 31503850270019 KARIMOV A. 5000000,00 shartnoma 22/2025
///
/// No library reads this: it is a convention of Uzbek payment agents, not a standard, so it is parsed here and
/// trusted only when the entries are numbered 1…N in order and their amounts add up to the line exactly.
package enum PaymentRegistry {
    package typealias Entry = PaymentToMatch.RegistryEntry

    // `N)` at the start or after `;`: where an entry begins.
    nonisolated(unsafe) private static let entryStart = try! NSRegularExpression(pattern: #"(?:^|;)\s*(\d{1,3})\)\s*"#)
    nonisolated(unsafe) private static let entryBody = try! NSRegularExpression(
        pattern: #"^(?:(?:PINFL|INN|ИНН|ПИНФЛ|JSHSHIR|STIR)\s*:?\s*)?(\d{14}|\d{9})\s+(.+?)\s+(\d{1,15}[.,]\d{2})(?:\s+(.*?))?\s*;?\s*$"#,
        options: [.caseInsensitive])

    /// The registry's entries, or nil when the text is not a registry of at least two payers adding up to `total`.
    package static func entries(in text: String, total: Decimal) -> [Entry]? {
        // Cheap test first, on the bytes: most purposes have no "1)" and "2)" (Foundation's `contains` was a
        // twentieth of the engine's time).
        var (one, two) = (false, false)
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ")") {
                if previous == UInt8(ascii: "1") { one = true } else if previous == UInt8(ascii: "2") { two = true }
            }
            previous = byte
        }
        guard one, two else { return nil }
        let whole = text as NSString
        let starts = entryStart.matches(in: text, range: NSRange(location: 0, length: whole.length))
        guard starts.count >= 2 else { return nil }
        var entries: [Entry] = []
        for (index, start) in starts.enumerated() {
            guard Int(whole.substring(with: start.range(at: 1))) == index + 1 else { return nil }
            let bodyStart = start.range.location + start.range.length
            let bodyEnd = index + 1 < starts.count ? starts[index + 1].range.location : whole.length
            let body = whole.substring(with: NSRange(location: bodyStart, length: bodyEnd - bodyStart))
            let bodyText = body as NSString
            guard let match = entryBody.firstMatch(in: body, range: NSRange(location: 0, length: bodyText.length)),
                  let amount = Decimal(string: bodyText.substring(with: match.range(at: 3))
                      .replacingOccurrences(of: ",", with: "."))
            else { return nil }
            let purpose = match.range(at: 4).location == NSNotFound ? "" : bodyText.substring(with: match.range(at: 4))
            entries.append(Entry(position: index + 1, taxID: bodyText.substring(with: match.range(at: 1)),
                                 name: bodyText.substring(with: match.range(at: 2)), amount: amount,
                                 purpose: purpose))
        }
        guard entries.reduce(Decimal(0), { $0 + $1.amount }) == total else { return nil }
        return entries
    }
}
