/// What the extractor knows of the words payers use; `.standard` covers Russian, Uzbek (Latin and Cyrillic) and English.
///
/// Words are compared after the same normalisation as the purpose (casefolded, Cyrillic transliterated, Uzbek
/// apostrophes dropped: `to'lov` is `tolov`), so `счёт`, `счет` and `schet` are one entry. A word of four or
/// more letters also matches its inflections (`счет` matches `счету`, `счетам`; `shartnoma` matches
/// `shartnomasi`: a final vowel is dropped from words of six letters or more); shorter words (`сч`, `сф`, `дог`)
/// and tax words match only whole.
package struct PurposeVocabulary: Sendable, Equatable {
    /// Words after which the next identifiers are invoice numbers; a short one glued to digits (`СФ-01234`) is
    /// also the number's own prefix.
    package var invoiceAnchors: [String]
    /// Words after which the next identifiers are contract numbers (never invoice numbers).
    package var contractAnchors: [String]
    /// Words that make a payment an advance (`mentionsAdvance`).
    package var advanceWords: [String]
    /// Words after which percentages and amounts are VAT, never invoice numbers.
    package var taxWords: [String]

    package init(invoiceAnchors: [String], contractAnchors: [String], advanceWords: [String], taxWords: [String]) {
        self.invoiceAnchors = invoiceAnchors
        self.contractAnchors = contractAnchors
        self.advanceWords = advanceWords
        self.taxWords = taxWords
    }

    package static let standard = PurposeVocabulary(
        invoiceAnchors: [
            "счет", "счёт", "сч", "с-ф", "с/ф", "сф", "счет-фактура", "сч-ф", "сч/ф", "счф", "инвойс",
            "ҳисоб-фактура", "хисоб-фактура", "ҳисобварақ", "фактура",
            "hisob-faktura", "hisobvaraq", "hisobvarag", "faktura", "schet-faktura", "schet", "schyot", "sch",
            "sf", "s-f", "s/f", "invoice", "invoys", "inv",
        ],
        contractAnchors: [
            "договор", "дог", "контракт", "шартнома", "shartnoma", "dogovor", "dog", "kontrakt", "contract",
            "agreement",
        ],
        advanceWords: ["предоплата", "аванс", "олдиндан", "oldindan", "predoplata", "prepayment", "advance", "avans"],
        taxWords: ["ндс", "ққс", "nds", "qqs", "vat"]
    )
}
