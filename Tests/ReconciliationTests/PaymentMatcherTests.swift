import Foundation
import HubCore
import Reconciliation
import Testing

/// The reconciliation rules of `mappings/reconciliation.yaml`, each rule and each hard case of the reference
/// (§2.4) as a named test, against invoices held in memory: what the engine decides, with no database.
@Suite struct PaymentMatcherTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let rules: ReconciliationRules = {
        let path = repository.appendingPathComponent("mappings/reconciliation.yaml").path
        return try! ReconciliationRulesLoader.load(path: path).rules
    }()

    static let day = CalendarDate(year: 2025, month: 3, day: 14)!
    static let orzu = "301234567"
    static let mirobod = "209111222"

    static func invoice(_ id: Int64, _ number: String, _ inn: String?, _ amount: Decimal, residual: Decimal? = nil,
                        issued: Int = 3, due: Int? = nil) -> OpenInvoice {
        OpenInvoice(id: id, number: number, issuedOn: CalendarDate(year: 2025, month: 3, day: issued)!,
                    dueOn: due.map { CalendarDate(year: 2025, month: 3, day: $0)! }, counterpartyINN: inn,
                    currency: "UZS", amount: amount, residual: residual ?? amount)
    }

    static func payment(_ id: Int64 = 1, amount: Decimal, inn: String?, purpose: String?,
                        structured: [PaymentToMatch.Structured] = [], direction: TransactionDirection = .incoming,
                        kind: String = "payment", code: String? = "PMNT/RCDT/DMCT", name: String? = "PAYER",
                        rejected: Set<Int64> = []) -> PaymentToMatch {
        PaymentToMatch(id: id, direction: direction, entryKind: kind, amount: amount, bookedOn: day,
                       counterpartyINN: inn, resolvedBy: inn == nil ? nil : "inn", counterpartyName: name,
                       ownNumbers: inn.map { [$0] } ?? [], purpose: purpose, structured: structured,
                       bankTransactionCode: code, rejectedInvoiceIDs: rejected)
    }

    static let book: [OpenInvoice] = [
        invoice(147, "SF-2025/0147", orzu, 45_600_000),
        invoice(152, "SF-2025/0152", mirobod, 25_000_000, issued: 6),
        invoice(155, "SF-2025/0155", orzu, 4_300_000, issued: 7),
        invoice(158, "SF-2025/0158", orzu, 5_500_000, issued: 7),
        invoice(901, "0000-001234", "207000001", 1_500_000),
        invoice(902, "CRM-005123", "207000002", 1_500_000),
    ]

    func decide(_ payment: PaymentToMatch, invoices: [OpenInvoice] = Self.book) -> PaymentDecision {
        var matcher = PaymentMatcher(rules: Self.rules, invoices: invoices)
        return matcher.decide(payment)
    }

    @Test func r1StructuredReferenceAndExactAmountIsAuto() {
        let decision = decide(Self.payment(amount: 45_600_000, inn: Self.orzu, purpose: "Payment",
                                           structured: [.init(number: "SF-2025/0147", amount: 45_600_000)]))
        #expect(decision.rule == "R1")
        #expect(decision.outcome == "matched")
        #expect(decision.allocations.map(\.invoiceID) == [147])
        #expect(decision.allocations.first?.status == .auto)
    }

    @Test func r2OutgoingPaymentIsOurOrderNeverAnInvoice() {
        let decision = decide(Self.payment(amount: 12_340_000, inn: "202468135", purpose: "Oplata po dogovoru 15/2025",
                                           direction: .outgoing, code: "PMNT/ICDT/DMCT"))
        #expect(decision.rule == "R2")
        #expect(decision.outcome == "own_payment")
        #expect(decision.allocations.isEmpty)
    }

    @Test func r2ReturnOfACustomerPaymentReopensItsInvoices() {
        var returned = Self.payment(amount: 4_300_000, inn: Self.orzu, purpose: "Return", direction: .outgoing,
                                    kind: "return", code: "PMNT/RCDT/RRTN")
        returned.linkedTransactionID = 77
        returned.linkedAllocations = [(invoiceID: 155, amount: 4_300_000)]
        let decision = decide(returned)
        #expect(decision.rule == "R2")
        #expect(decision.allocations.map(\.amount) == [-4_300_000])
        #expect(decision.allocations.map(\.invoiceID) == [155])
    }

    @Test func r3InnAndOneInvoiceNumberAndResidualIsAuto() {
        let decision = decide(Self.payment(
            amount: 45_600_000, inn: Self.orzu,
            purpose: "00668 Оплата по счету № СФ-2025/0147 от 03.03.2025 за удобрения, в т.ч. НДС 12% 4885714.29"))
        #expect(decision.rule == "R3")
        #expect(decision.outcome == "matched")
        #expect(decision.allocations.map(\.invoiceID) == [147])
        #expect(decision.explanation.contains("INN 301234567"))
        #expect(decision.explanation.contains("№SF-2025/0147 found in purpose"))
        #expect(decision.explanation.contains("amount equals residual"))
    }

    @Test func r4SeveralInvoicesPerStructuredAmountsIsSuggested() {
        let decision = decide(Self.payment(
            amount: 9_800_000, inn: Self.orzu, purpose: "Оплата по счетам №0155 и №0158 от 07.03.2025",
            structured: [.init(number: "SF-2025/0155", amount: 4_300_000), .init(number: "SF-2025/0158", amount: 5_500_000)]))
        #expect(decision.rule == "R4")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [155, 158])
        #expect(decision.allocations.map(\.amount) == [4_300_000, 5_500_000])
    }

    @Test func r4SeveralInvoicesFromTextArePaidInListedOrder() {
        let decision = decide(Self.payment(amount: 9_800_000, inn: Self.orzu,
                                           purpose: "Oplata po schetam No0158 i No0155 ot 07.03.2025"))
        #expect(decision.rule == "R4")
        #expect(decision.allocations.map(\.invoiceID) == [158, 155])
    }

    @Test func r5PartialPaymentLeavesTheInvoiceOpen() {
        let decision = decide(Self.payment(amount: 10_000_000, inn: Self.mirobod,
                                           purpose: "Частичная оплата по сч. 152 от 06.03.2025 (1-й платеж)"))
        #expect(decision.rule == "R5")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.amount) == [10_000_000])
        #expect(decision.explanation.contains("15 000 000.00 left open"))
    }

    @Test func r6OverpaymentPaysTheInvoiceAndKeepsTheSurplus() {
        let decision = decide(Self.payment(amount: 46_000_000, inn: Self.orzu, purpose: "Oplata scheta SF-2025/0147"))
        #expect(decision.rule == "R6")
        #expect(decision.allocations.map(\.amount) == [45_600_000])
        #expect(decision.advance?.amount == 400_000)
        #expect(decision.advance?.status == .suggested)
    }

    @Test func r7OnlyOpenInvoiceWithThatAmountIsSuggested() {
        let decision = decide(Self.payment(amount: 25_000_000, inn: Self.mirobod, purpose: "Oplata za material"))
        #expect(decision.rule == "R7")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [152])
    }

    @Test func r8OldestInvoicesAddingUpAreSuggested() {
        let decision = decide(Self.payment(amount: 9_800_000, inn: Self.orzu, purpose: "Oplata za tovar"),
                              invoices: Self.book.filter { $0.id != 147 })
        #expect(decision.rule == "R8")
        #expect(Set(decision.allocations.map(\.invoiceID)) == [155, 158])
        #expect(decision.outcome == "review")
    }

    @Test func r9PrepaymentUnderAContractBecomesAnAdvanceForReview() {
        let decision = decide(Self.payment(amount: 5_000_000, inn: "206333444",
                                           purpose: "Предоплата 20% по договору № К-77 от 10.03.2025"))
        #expect(decision.rule == "R9")
        #expect(decision.advance?.amount == 5_000_000)
        #expect(decision.advance?.contract == "K-77")
        #expect(decision.advance?.status == .suggested)
        #expect(decision.allocations.isEmpty)
    }

    @Test func r10InvoiceOfAnotherClientIsNeverAllocated() {
        let decision = decide(Self.payment(amount: 25_000_000, inn: "207654321",
                                           purpose: "Oplata za MIROBOD po schetu SF-2025/0152"))
        #expect(decision.rule == "R10")
        #expect(decision.outcome == "unmatched")
        #expect(decision.allocations.isEmpty)
        #expect(decision.explanation.contains("209111222"))
    }

    @Test func r11AmountAloneIsOnlyAHint() {
        let decision = decide(Self.payment(amount: 45_600_000, inn: nil, purpose: "Oplata", name: nil))
        #expect(decision.rule == "R11")
        #expect(decision.outcome == "unmatched")
        #expect(decision.allocations.isEmpty)
    }

    @Test func r12BankFeeIsNeverAnInvoicePayment() {
        let decision = decide(Self.payment(amount: 15_000, inn: nil, purpose: "Komissiya", direction: .outgoing,
                                           code: "ACMT/MDOP/CHRG", name: nil))
        #expect(decision.rule == "R12")
        #expect(decision.outcome == "bank")
        let byText = decide(Self.payment(amount: 15_000, inn: nil, purpose: "Komissiya banka za platezhi",
                                         direction: .outgoing, code: "NMSC", name: nil))
        #expect(byText.rule == "R12")
    }

    // MARK: - Hard cases and adversarial inputs

    @Test func sameAmountForSeveralOpenInvoicesGoesToReviewNotAGuess() {
        let invoices = [Self.invoice(1, "A-1", "555000111", 1_000_000), Self.invoice(2, "A-2", "555000111", 1_000_000)]
        let decision = decide(Self.payment(amount: 1_000_000, inn: "555000111", purpose: "Oplata"), invoices: invoices)
        #expect(decision.outcome == "review")
        #expect(decision.allocations.count == 2)
        #expect(decision.allocations.allSatisfy { $0.status == .suggested })
    }

    @Test func standardPriceOfManyClientsIsNotMatchedByAmount() {
        // 1 500 000 is the price on two clients' invoices; an unknown payer with no reference matches nothing.
        let decision = decide(Self.payment(amount: 1_500_000, inn: nil, purpose: "Oplata", name: nil))
        #expect(decision.outcome == "unmatched")
        #expect(decision.allocations.isEmpty)
    }

    @Test func numberThatLooksLikeADateOrAnAmountIsNotAnInvoice() {
        let invoices = [Self.invoice(1, "0314", Self.orzu, 1_000_000), Self.invoice(2, "4885714", Self.orzu, 2_000_000)]
        let decision = decide(Self.payment(amount: 1_000_000, inn: Self.orzu,
                                           purpose: "Oplata ot 03.14.2025 i 14.03.2025 NDS 4885714.29"),
                              invoices: invoices)
        #expect(decision.rule != "R3")
        #expect(decision.outcome != "matched")
    }

    @Test func invoiceNumberOfAnotherClientWithTheSameAmountIsNotAuto() {
        let invoices = [Self.invoice(1, "CRM-005123", "207000002", 1_500_000),
                        Self.invoice(2, "CRM-000077", Self.orzu, 800_000)]
        let decision = decide(Self.payment(amount: 1_500_000, inn: Self.orzu, purpose: "Оплата по счету CRM-005123"),
                              invoices: invoices)
        #expect(decision.outcome == "unmatched")
        #expect(decision.rule == "R10")
    }

    @Test func zeroPaddedAndPrefixedNumbersCompareByTheirNumericCore() {
        for purpose in ["оплата сч. 1234", "№ 0000-001234", "N1234", "СФ-01234 оплата"] {
            let decision = decide(Self.payment(amount: 1_500_000, inn: "207000001", purpose: purpose))
            #expect(decision.rule == "R3", "\(purpose)")
            #expect(decision.allocations.map(\.invoiceID) == [901], "\(purpose)")
        }
    }

    @Test func aNumberMatchingTwoOpenInvoicesOfThePayerIsNotTrusted() {
        let invoices = [Self.invoice(1, "SF-2024/0147", Self.orzu, 45_600_000),
                        Self.invoice(2, "SF-2025/0147", Self.orzu, 45_600_000)]
        let decision = decide(Self.payment(amount: 45_600_000, inn: Self.orzu, purpose: "Oplata scheta 147"),
                              invoices: invoices)
        #expect(decision.outcome != "matched")
        #expect(decision.explanation.contains("not trusted"))
    }

    @Test func twoPaymentsForOneInvoiceNeverBothAuto() {
        var matcher = PaymentMatcher(rules: Self.rules, invoices: Self.book)
        let purpose = "Oplata po schetu SF-2025/0147"
        let first = matcher.decide(Self.payment(1, amount: 45_600_000, inn: Self.orzu, purpose: purpose))
        let second = matcher.decide(Self.payment(2, amount: 45_600_000, inn: Self.orzu, purpose: purpose))
        #expect(first.outcome == "matched")
        #expect(second.outcome != "matched")
        #expect(second.allocations.allSatisfy { $0.invoiceID != 147 || $0.status != .auto })
    }

    @Test func aRejectedPairIsNeverProposedAgain() {
        let decision = decide(Self.payment(amount: 45_600_000, inn: Self.orzu, purpose: "Oplata po schetu SF-2025/0147",
                                           rejected: [147]))
        #expect(!decision.allocations.contains { $0.invoiceID == 147 })
    }

    @Test func underpaymentWithinToleranceIsWrittenOff() {
        let decision = decide(Self.payment(amount: Decimal(string: "45599999.50")!, inn: Self.orzu,
                                           purpose: "Oplata po schetu SF-2025/0147"))
        #expect(decision.rule == "R3")
        #expect(decision.allocations.first?.writtenOff == Decimal(string: "0.50"))
    }

    @Test func theRulesFileValidatesAndUnknownEvidenceIsRefused() {
        let (rules, diagnostics) = ReconciliationRulesLoader.load("""
            version: 1
            rules:
              - id: X1
                when: {refrence: one}
                confidence: 0.9
                action: allocate
              - id: X2
                when: {amount: equal}
                confidence: 1.5
                action: alocate
            """, file: "mappings/reconciliation.yaml")
        #expect(rules == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.hasPrefix("mappings/reconciliation.yaml:4:") && $0.contains("did you mean 'reference'") }, "\(messages)")
        #expect(messages.contains { $0.contains("equal") && $0.contains("equals_residual") })
        #expect(messages.contains { $0.contains("confidence must be a number from 0 to 1") })
        #expect(messages.contains { $0.contains("did you mean 'allocate'") })
    }
}
