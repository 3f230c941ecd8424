import Reconciliation
import Testing

/// One expected reference, written compactly: text, normalized, numericCore, serialCore, anchored.
struct ExpectedReference: Sendable, CustomStringConvertible {
    var text: String
    var normalized: String
    var numericCore: String
    var serialCore: String
    var anchored: Bool

    init(_ text: String, _ normalized: String, _ numericCore: String, _ serialCore: String, anchored: Bool = true) {
        (self.text, self.normalized, self.numericCore, self.serialCore, self.anchored) =
            (text, normalized, numericCore, serialCore, anchored)
    }

    var description: String { "\(text) [\(normalized) \(numericCore)/\(serialCore)\(anchored ? "" : " unanchored")]" }
}

struct PurposeCase: Sendable, CustomTestStringConvertible {
    var purpose: String
    var invoices: [ExpectedReference]
    var contracts: [String] = []
    var advance = false
    var masked: [String] = []

    var testDescription: String { purpose }

    func check(_ extractor: InvoiceReferenceExtractor = InvoiceReferenceExtractor()) {
        let result = extractor.extract(purpose, maskedNumbers: masked)
        let expected = invoices.enumerated().map { position, e in
            InvoiceReference(text: e.text, normalized: e.normalized, numericCore: e.numericCore,
                             serialCore: e.serialCore, anchored: e.anchored, position: position)
        }
        #expect(result.invoices == expected, "\(purpose)")
        #expect(result.contracts == contracts, "\(purpose)")
        #expect(result.mentionsAdvance == advance, "\(purpose)")
    }
}

@Suite("invoice references in payment purposes")
struct InvoiceReferenceExtractorTests {
    static let sf0147 = ExpectedReference("СФ-2025/0147", "SF-2025/0147", "20250147", "147")
    static let sf0147Latin = ExpectedReference("SF-2025/0147", "SF-2025/0147", "20250147", "147")

    /// The purposes of the camt.053 and MT940 samples (`/work/shared/samples`), MT940 lines joined.
    static let samples: [PurposeCase] = [
        PurposeCase(purpose: "00668 Оплата по счету № СФ-2025/0147 от 03.03.2025 за удобрения, в т.ч. НДС 12% 4885714.29",
                    invoices: [sf0147]),
        PurposeCase(purpose: "00668 Oplata po schetu SF-2025/01" + "47 ot 03.03.2025 za udobreniya, v t.ch. NDS 12% 4885714.29",
                    invoices: [sf0147Latin]),
        PurposeCase(purpose: "Hisob-faktura SF-2025/0150 uchun to'lov",
                    invoices: [ExpectedReference("SF-2025/0150", "SF-2025/0150", "20250150", "150")]),
        PurposeCase(purpose: "Оплата сч.151 от 05.03.25", invoices: [ExpectedReference("151", "151", "151", "151")]),
        PurposeCase(purpose: "Shartnoma 22/2025 bo'yicha to'lov", invoices: [], contracts: ["22/2025"]),
        PurposeCase(purpose: "00668 Oplata po dogovoru 15/2025 za uslugi svyazi za fevral 2025, v t.ch. NDS 12%",
                    invoices: [], contracts: ["15/2025"]),
        PurposeCase(purpose: "00668 Oplata po dogovoru 15/2025 za uslugi svyazi\nza fevral 2025, v t.ch. NDS 12%",
                    invoices: [], contracts: ["15/2025"]),
        PurposeCase(purpose: "Возврат п/п 227 от 12.03.2025: счет получателя закрыт", invoices: []),
        PurposeCase(purpose: "Vozvrat p/p 227 ot 12.03.2025: schet poluchatelya zakryt. Orig. ref FB250312000377",
                    invoices: []),
        PurposeCase(purpose: "Частичная оплата по сч. 152 от 06.03.2025 (1-й платеж)",
                    invoices: [ExpectedReference("152", "152", "152", "152")]),
        PurposeCase(purpose: "Chastichnaya oplata po sch. 152 ot 06.03.2025 (1-y pla" + "tezh)",
                    invoices: [ExpectedReference("152", "152", "152", "152")]),
        PurposeCase(purpose: "Оплата по счетам №0155 и №0158 от 07.03.2025",
                    invoices: [ExpectedReference("0155", "0155", "155", "155"),
                               ExpectedReference("0158", "0158", "158", "158")]),
        PurposeCase(purpose: "Oplata po schetam No0155 i No0158 ot 07.03.2025",
                    invoices: [ExpectedReference("0155", "0155", "155", "155"),
                               ExpectedReference("0158", "0158", "158", "158")]),
        PurposeCase(purpose: "Predoplata 20% po dogovoru No K-77 ot 10.03.2025", invoices: [], contracts: ["K-77"],
                    advance: true),
        PurposeCase(purpose: "Предоплата 20% по договору № К-77 от 10.03.2025", invoices: [], contracts: ["K-77"],
                    advance: true),
        PurposeCase(purpose: "Komissiya banka za platezhnye porucheniya (3 sht.)", invoices: []),
        // The payment agent's registry (MT940 entry 2), three payers in one purpose.
        PurposeCase(purpose: "1) 207654321 BOG'DOD FERMER XK 7500000,00 SF-2025/0150; 2) 208765432 ZARAFSHON BOG'LARI "
                        + "MCHJ 6250000,00 sch.151 ot 05.0" + "3.25; 3) PINFL 31503850270019 KARIMOV A. 5000000,00 shartnoma 22/2025",
                    invoices: [ExpectedReference("SF-2025/0150", "SF-2025/0150", "20250150", "150"),
                               ExpectedReference("151", "151", "151", "151")],
                    contracts: ["22/2025"]),
    ]

    @Test("sample purposes", arguments: samples)
    func samplePurposes(_ sample: PurposeCase) { sample.check() }

    /// The formats the reconciliation issue lists.
    static let formats: [PurposeCase] = [
        PurposeCase(purpose: "1234", invoices: [ExpectedReference("1234", "1234", "1234", "1234", anchored: false)]),
        PurposeCase(purpose: "СФ-01234", invoices: [ExpectedReference("СФ-01234", "SF-01234", "1234", "1234")]),
        PurposeCase(purpose: "Оплата № 0000-001234",
                    invoices: [ExpectedReference("0000-001234", "0000-001234", "1234", "1234")]),
        PurposeCase(purpose: "сч. 1234", invoices: [ExpectedReference("1234", "1234", "1234", "1234")]),
        PurposeCase(purpose: "N1234", invoices: [ExpectedReference("1234", "1234", "1234", "1234")]),
        PurposeCase(purpose: "N° 1234", invoices: [ExpectedReference("1234", "1234", "1234", "1234")]),
        PurposeCase(purpose: "#1234", invoices: [ExpectedReference("1234", "1234", "1234", "1234")]),
        PurposeCase(purpose: "1234,1235", invoices: [ExpectedReference("1234", "1234", "1234", "1234", anchored: false),
                                                     ExpectedReference("1235", "1235", "1235", "1235", anchored: false)]),
        PurposeCase(purpose: "сч. 1234,1235", invoices: [ExpectedReference("1234", "1234", "1234", "1234"),
                                                         ExpectedReference("1235", "1235", "1235", "1235")]),
        PurposeCase(purpose: "Оплата по счетам 1234, 1235 и 1236",
                    invoices: [ExpectedReference("1234", "1234", "1234", "1234"),
                               ExpectedReference("1235", "1235", "1235", "1235"),
                               ExpectedReference("1236", "1236", "1236", "1236")]),
        PurposeCase(purpose: "сч. 1234-1236", invoices: [ExpectedReference("1234", "1234", "1234", "1234"),
                                                         ExpectedReference("1235", "1235", "1235", "1235"),
                                                         ExpectedReference("1236", "1236", "1236", "1236")]),
        PurposeCase(purpose: "Hisobvaraq 0155 va 0158 uchun",
                    invoices: [ExpectedReference("0155", "0155", "155", "155"),
                               ExpectedReference("0158", "0158", "158", "158")]),
        PurposeCase(purpose: "CRM-005123",
                    invoices: [ExpectedReference("CRM-005123", "CRM-005123", "5123", "5123", anchored: false)]),
        PurposeCase(purpose: "invoice CRM-005123",
                    invoices: [ExpectedReference("CRM-005123", "CRM-005123", "5123", "5123")]),
        // A Cyrillic С typed inside a Latin word is the Latin C it looks like.
        PurposeCase(purpose: "Счет СRM-005123",
                    invoices: [ExpectedReference("СRM-005123", "CRM-005123", "5123", "5123")]),
        PurposeCase(purpose: "счет-фактура № БП-000123 от 01.02.2025",
                    invoices: [ExpectedReference("БП-000123", "BP-000123", "123", "123")]),
    ]

    @Test("invoice number formats", arguments: formats)
    func invoiceFormats(_ format: PurposeCase) { format.check() }

    /// Things that look like numbers and are not invoice numbers.
    static let nonReferences: [PurposeCase] = [
        PurposeCase(purpose: "Оплата по дог. 17/2026", invoices: [], contracts: ["17/2026"]),
        PurposeCase(purpose: "оплата от 03.03.2025, 05.03.25, 14/03/2025, 2025-03-14", invoices: []),
        PurposeCase(purpose: "скидка 125 %, наценка 12%", invoices: []),
        PurposeCase(purpose: "в т.ч. НДС 535714", invoices: []),
        PurposeCase(purpose: "QQS 12% 535714.29 so'm", invoices: []),
        PurposeCase(purpose: "Оплата 1 000 000,00 сум", invoices: []),
        PurposeCase(purpose: "Оплата 7500000,00", invoices: []),
        PurposeCase(purpose: "Оплата 1500000.00", invoices: []),
        PurposeCase(purpose: "Оплата ИНН 301234567", invoices: []),
        PurposeCase(purpose: "301234567 Orzu Savdo", invoices: []),
        PurposeCase(purpose: "PINFL 31503850270019", invoices: []),
        PurposeCase(purpose: "на счет 20208000912345678001 МФО 00440", invoices: []),
        PurposeCase(purpose: "00668 Оплата", invoices: []),
        PurposeCase(purpose: "оплата за товар 2025 год", invoices: []),
        PurposeCase(purpose: "to'lov 2025 yil uchun", invoices: []),
        PurposeCase(purpose: "за март 2025 года", invoices: []),
        PurposeCase(purpose: "товар 12 шт., 150 dona", invoices: []),
        PurposeCase(purpose: "платежное поручение № 4411 от 01.03.2025", invoices: []),
        PurposeCase(purpose: "Оплата сч. 0000", invoices: []),
        // The payer's own numbers are masked even without context.
        PurposeCase(purpose: "Оплата 4411 и 7788", invoices: [ExpectedReference("7788", "7788", "7788", "7788", anchored: false)],
                    masked: ["4411"]),
    ]

    @Test("non-references are masked", arguments: nonReferences)
    func masked(_ purpose: PurposeCase) { purpose.check() }

    @Test("invoice number keys", arguments: [
        ("0000-001234", "0000-001234", "1234", "1234"),
        ("SF-2025/0147", "SF-2025/0147", "20250147", "147"),
        ("СФ-2025/0147", "SF-2025/0147", "20250147", "147"),
        ("CRM-005123", "CRM-005123", "5123", "5123"),
        ("БП-000123", "BP-000123", "123", "123"),
        ("00000000147", "00000000147", "147", "147"),
        ("К-77", "K-77", "77", "77"),
    ])
    func keys(_ number: String, _ normalized: String, _ numericCore: String, _ serialCore: String) {
        let keys = InvoiceReferenceExtractor.keys(forInvoiceNumber: number)
        #expect(keys.normalized == normalized)
        #expect(keys.numericCore == numericCore)
        #expect(keys.serialCore == serialCore)
    }

    @Test("a reference and the invoice it names share their keys")
    func referenceMatchesInvoiceKeys() throws {
        let reference = try #require(
            InvoiceReferenceExtractor().extract("Оплата по счету № СФ-2025/0147").invoices.first)
        let keys = InvoiceReferenceExtractor.keys(forInvoiceNumber: "SF-2025/0147")
        #expect(reference.normalized == keys.normalized && reference.numericCore == keys.numericCore
            && reference.serialCore == keys.serialCore)
        #expect(InvoiceReferenceExtractor.keys(forInvoiceNumber: "СФ-2025/0147").normalized == keys.normalized)
    }

    @Test("a vocabulary without Uzbek words does not anchor on them")
    func customVocabulary() {
        let vocabulary = PurposeVocabulary(
            invoiceAnchors: ["счет", "сч"], contractAnchors: ["договор"], advanceWords: ["аванс"], taxWords: ["ндс"])
        let extractor = InvoiceReferenceExtractor(vocabulary: vocabulary)
        #expect(extractor.extract("Hisobvaraq 0155 uchun").invoices.map(\.anchored) == [false])
        #expect(extractor.extract("schetu 0155").invoices.map(\.anchored) == [true])
        #expect(extractor.extract("avansom po dogovoru 12/2025").contracts == ["12/2025"])
        #expect(extractor.extract("avansom po dogovoru 12/2025").mentionsAdvance)
    }
}
