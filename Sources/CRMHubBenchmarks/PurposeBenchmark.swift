import Foundation
import Reconciliation

/// The invoice-reference extractor over N payment purposes (the sample purposes, Cyrillic and Latin, cycled),
/// against the naive reference in the same run: Odoo 14's digit-token scan (`\d{3,}` with NSRegularExpression),
/// which finds candidates but masks nothing.
///
///   swift build -c release && .build/release/CRMHubBenchmarks --purposes 1000000 [--rounds R]
enum PurposeBenchmark {
    static let purposes = [
        "00668 Оплата по счету № СФ-2025/0147 от 03.03.2025 за минеральные удобрения, в т.ч. НДС 12% 4885714.29",
        "00668 Oplata po schetu SF-2025/0147 ot 03.03.2025 za udobreniya, v t.ch. NDS 12% 4885714.29",
        "Hisob-faktura SF-2025/0150 uchun to'lov",
        "Оплата сч.151 от 05.03.25",
        "Shartnoma 22/2025 bo'yicha to'lov",
        "00668 Oplata po dogovoru 15/2025 za uslugi svyazi za fevral 2025, v t.ch. NDS 12%",
        "Возврат п/п 227 от 12.03.2025: счет получателя закрыт",
        "Частичная оплата по сч. 152 от 06.03.2025 (1-й платеж)",
        "Оплата по счетам №0155 и №0158 от 07.03.2025",
        "Предоплата 20% по договору № К-77 от 10.03.2025",
    ]

    static func run(count: Int, rounds: Int) {
        let extractor = InvoiceReferenceExtractor()
        let characters = purposes.reduce(0) { $0 + $1.count } / purposes.count
        var found = 0
        var ours: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            for k in 0..<count { found &+= extractor.extract(purposes[k % purposes.count]).invoices.count }
            ours.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(count))
        }
        let regex = try! NSRegularExpression(pattern: #"\d{3,}"#)
        var reference: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            for k in 0..<count {
                let purpose = purposes[k % purposes.count]
                found &+= regex.numberOfMatches(in: purpose, range: NSRange(purpose.startIndex..., in: purpose))
            }
            reference.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(count))
        }
        let ourMedian = median(ours)
        let referenceMedian = median(reference)
        say("purposes: \(count) × \(rounds) rounds, \(characters) characters on average (checksum \(found))")
        say(String(format: "InvoiceReferenceExtractor: %.3f µs/purpose", ourMedian))
        say(String(format: "NSRegularExpression \\d{3,} (reference): %.3f µs/purpose", referenceMedian))
        say(String(format: "ratio: %.2f× the reference's time", ourMedian / referenceMedian))
    }
}
