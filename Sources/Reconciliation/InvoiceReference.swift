/// An invoice number a payment purpose refers to, with the keys it is compared by.
///
/// The keys are those `InvoiceReferenceExtractor.keys(forInvoiceNumber:)` computes for an invoice's own number,
/// so `СФ-2025/0147` in a purpose and `SF-2025/0147` in 1C compare equal on `normalized`.
package struct InvoiceReference: Sendable, Hashable {
    /// As the payer wrote it, e.g. "СФ-2025/0147", "0155", "1234" (a glued number sign is not part of it).
    package var text: String
    /// Comparison form: transliterated to Latin, uppercased, spaces removed, e.g. "SF-2025/0147".
    package var normalized: String
    /// All digits, leading zeros stripped: "20250147"; "0000-001234" -> "1234".
    package var numericCore: String
    /// The last run of digits, leading zeros stripped: "147"; "CRM-005123" -> "5123".
    package var serialCore: String
    /// Preceded by an invoice keyword (or a number sign № / N / No / # that is not after a contract keyword),
    /// or carrying an invoice keyword as its prefix (`СФ-01234`). An unanchored reference is a bare number of
    /// three digits or more that survived masking: trust it only against the payer's own invoices.
    package var anchored: Bool
    /// 0-based order of appearance among the purpose's invoices (for "allocate in listed order").
    package var position: Int

    package init(
        text: String, normalized: String, numericCore: String, serialCore: String, anchored: Bool, position: Int
    ) {
        self.text = text
        self.normalized = normalized
        self.numericCore = numericCore
        self.serialCore = serialCore
        self.anchored = anchored
        self.position = position
    }
}

/// What one payment purpose refers to.
package struct PurposeReferences: Sendable, Equatable {
    /// Distinct by `numericCore`, in order of appearance; a number written twice is anchored if either is.
    package var invoices: [InvoiceReference]
    /// Normalised contract ids in order of appearance, distinct, e.g. "K-77", "22/2025", "15/2025".
    package var contracts: [String]
    /// An advance word (предоплата, аванс, oldindan, …) occurs in the purpose.
    package var mentionsAdvance: Bool

    package init(invoices: [InvoiceReference] = [], contracts: [String] = [], mentionsAdvance: Bool = false) {
        self.invoices = invoices
        self.contracts = contracts
        self.mentionsAdvance = mentionsAdvance
    }
}
