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
                        issued: Int = 3, due: Int? = nil, name: String? = nil) -> OpenInvoice {
        OpenInvoice(id: id, number: number, issuedOn: CalendarDate(year: 2025, month: 3, day: issued)!,
                    dueOn: due.map { CalendarDate(year: 2025, month: 3, day: $0)! }, counterpartyINN: inn,
                    currency: "UZS", amount: amount, residual: residual ?? amount, counterpartyName: name)
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
        invoice(152, "SF-2025/0152", mirobod, 25_000_000, issued: 6, name: "ООО «Миробод»"),
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

    @Test func r4SeveralInvoicesPerStructuredAmountsIsAuto() {
        let decision = decide(Self.payment(
            amount: 9_800_000, inn: Self.orzu, purpose: "Оплата по счетам №0155 и №0158 от 07.03.2025",
            structured: [.init(number: "SF-2025/0155", amount: 4_300_000), .init(number: "SF-2025/0158", amount: 5_500_000)]))
        #expect(decision.rule == "R4")
        #expect(decision.outcome == "matched")
        #expect(decision.allocations.map(\.invoiceID) == [155, 158])
        #expect(decision.allocations.map(\.amount) == [4_300_000, 5_500_000])
        #expect(decision.allocations.allSatisfy { $0.status == .auto })
    }

    @Test func r4SeveralInvoicesFromTextArePaidInListedOrder() {
        let decision = decide(Self.payment(amount: 9_800_000, inn: Self.orzu,
                                           purpose: "Oplata po schetam No0158 i No0155 ot 07.03.2025"))
        #expect(decision.rule == "R4")
        #expect(decision.outcome == "matched")
        #expect(decision.allocations.map(\.invoiceID) == [158, 155])
        #expect(decision.allocations.map(\.amount) == [5_500_000, 4_300_000])
    }

    @Test func r4NotTheExactTotalIsNotAuto() {
        let decision = decide(Self.payment(amount: 9_000_000, inn: Self.orzu,
                                           purpose: "Oplata po schetam No0158 i No0155 ot 07.03.2025"))
        #expect(decision.rule == "R5")
        #expect(decision.outcome == "review")
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

    @Test func r7AContractOnlyPaymentEqualToOneOpenInvoiceProposesIt() {
        let decision = decide(Self.payment(amount: 25_000_000, inn: Self.mirobod,
                                           purpose: "Оплата по договору № 22/2025 от 01.02.2025"))
        #expect(decision.rule == "R7")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [152])
        #expect(decision.advance == nil)
    }

    @Test func r7APrepaymentWordWithTwoFittingInvoicesProposesBothChoosesNone() {
        let invoices = [Self.invoice(1, "A-1", "555000111", 1_000_000), Self.invoice(2, "A-2", "555000111", 1_000_000),
                        Self.invoice(3, "A-3", "555000111", 2_000_000)]
        let decision = decide(Self.payment(amount: 1_000_000, inn: "555000111", purpose: "Предоплата за товар"),
                              invoices: invoices)
        #expect(decision.rule == "R7")
        #expect(decision.allocations.map(\.invoiceID).sorted() == [1, 2])
        #expect(decision.allocations.allSatisfy { $0.status == .suggested && $0.amount == 1_000_000 })
    }

    @Test func r10InvoiceOfAnotherClientNamedInThePurposeIsProposedWithBothNames() {
        let decision = decide(Self.payment(amount: 25_000_000, inn: "207654321",
                                           purpose: "Oplata za OOO Mirobod po schetu SF-2025/0152",
                                           name: "TOSHKENT TRADE MChJ"))
        #expect(decision.rule == "R10a")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [152])
        #expect(decision.allocations.allSatisfy { $0.status == .suggested })
        #expect(decision.explanation.contains("ООО «Миробод» (INN 209111222)"), "\(decision.explanation)")
        #expect(decision.explanation.contains("paid by \"TOSHKENT TRADE MChJ\" (INN 207654321)"))
        #expect(decision.explanation.contains("names that client"))
    }

    @Test func r10InvoiceOfAnotherClientIsProposedNeverAllocated() {
        let decision = decide(Self.payment(amount: 25_000_000, inn: "207654321", purpose: "Oplata po schetu SF-2025/0152"))
        #expect(decision.rule == "R10")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [152])
        #expect(decision.allocations.allSatisfy { $0.status == .suggested })
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
        #expect(decision.outcome == "review")
        #expect(decision.rule == "R10")
        #expect(decision.allocations.allSatisfy { $0.status == .suggested })
    }

    @Test func aThirdPartyRuleAboveTheAutoThresholdStillOnlyProposes() {
        var rules = Self.rules
        let index = rules.rules.firstIndex { $0.id == "R10" }!
        rules.rules[index].confidence = 0.99
        var matcher = PaymentMatcher(rules: rules, invoices: Self.book)
        let decision = matcher.decide(Self.payment(amount: 25_000_000, inn: "207654321",
                                                   purpose: "Oplata po schetu SF-2025/0152"))
        #expect(decision.outcome == "review")
        #expect(decision.allocations.allSatisfy { $0.status == .suggested })
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

    // MARK: - Rules that can never happen

    static func problems(_ rules: String) -> [String] {
        let text = "version: 1\nthresholds: {auto: 0.95, suggest: 0.75}\nrules:\n" + rules
        let (loaded, diagnostics) = ReconciliationRulesLoader.load(text, file: "mappings/reconciliation.yaml")
        #expect(loaded == nil)
        return diagnostics.map(\.description)
    }

    @Test func validateRefusesAnAllocationBelowTheProposalThreshold() {
        let messages = Self.problems("""
              - id: R10
                when: {reference: other_client}
                confidence: 0.60
                action: allocate
            """)
        #expect(messages.contains { $0.hasPrefix("mappings/reconciliation.yaml:4:") && $0.contains("R10")
            && $0.contains("below the proposal threshold 0.75") && $0.contains("can never happen") }, "\(messages)")
    }

    @Test func validateRefusesARuleAnEarlierOneAlwaysTakes() {
        let messages = Self.problems("""
              - id: R3
                when: {payer: known, reference: [one, several]}
                confidence: 0.97
                action: allocate
              - id: R4
                when: {payer: known, reference: several, amount: equals_residual}
                confidence: 0.96
                action: allocate
            """)
        #expect(messages.contains { $0.hasPrefix("mappings/reconciliation.yaml:8:")
            && $0.contains("rule R4 can never apply") && $0.contains("rule R3") }, "\(messages)")
    }

    @Test func validateRefusesEvidenceThatNeverOccursTogether() {
        let messages = Self.problems("""
              - id: X
                when: {reference: one, amount: equals_one_open}
                confidence: 0.90
                action: allocate
            """)
        #expect(messages.contains { $0.contains("rule X can never apply") && $0.contains("together") }, "\(messages)")
    }

    @Test func validateRefusesAThirdPartyRuleThatWouldAllocateAutomatically() {
        let messages = Self.problems("""
              - id: R10
                when: {reference: [other_client, other_client_named]}
                confidence: 0.97
                action: allocate
            """)
        #expect(messages.contains { $0.contains("never allocated automatically") }, "\(messages)")
    }

    @Test func theBundledRulesHaveNoRuleThatCanNeverHappen() {
        for index in Self.rules.rules.indices {
            #expect(ReconciliationRuleReachability.problem(ofRuleAt: index, in: Self.rules) == nil)
        }
    }
}

/// Advances used up: a kept advance offset against the client's later invoices (rule A1 of the rules file).
@Suite struct AdvanceOffsetTests {
    static let inn = "206333444"

    static func advance(_ id: Int64, day: Int, remaining: Decimal, contract: String? = nil) -> OpenAdvance {
        OpenAdvance(id: id, paymentID: 1000 + id, counterpartyINN: inn, contract: contract,
                    bookedOn: CalendarDate(year: 2025, month: 3, day: day)!, currency: "UZS", remaining: remaining)
    }

    static func invoice(_ id: Int64, day: Int, amount: Decimal, contract: String? = nil) -> OpenInvoice {
        OpenInvoice(id: id, number: "SF-\(id)", issuedOn: CalendarDate(year: 2025, month: 3, day: day)!, dueOn: nil,
                    counterpartyINN: inn, currency: "UZS", amount: amount, residual: amount, contract: contract)
    }

    @Test func anAdvancePaysTheLaterInvoicesOldestFirstAndSaysWhatIsLeft() {
        let invoices = [Self.invoice(1, day: 5, amount: 1_000_000), Self.invoice(2, day: 20, amount: 3_000_000),
                        Self.invoice(3, day: 15, amount: 1_500_000)]
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: invoices)
        let offsets = matcher.offset([Self.advance(7, day: 10, remaining: 4_000_000)])
        // Invoice 1 was issued before the advance: not what it was paid for.
        #expect(offsets.map(\.invoiceID) == [3, 2])
        #expect(offsets.map(\.amount) == [1_500_000, 2_500_000])
        #expect(offsets.allSatisfy { $0.status == .suggested && $0.rule == "A1" && $0.advanceID == 7 && $0.paymentID == 1007 })
        #expect(offsets.last?.explanation.contains("0.00 left") == true, "\(offsets.last?.explanation ?? "")")
    }

    @Test func anAdvanceUnderAContractSkipsInvoicesOfAnotherContract() {
        let invoices = [Self.invoice(1, day: 12, amount: 1_000_000, contract: "22/2025"),
                        Self.invoice(2, day: 14, amount: 1_000_000, contract: "К-77")]
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: invoices)
        let offsets = matcher.offset([Self.advance(7, day: 10, remaining: 5_000_000, contract: "K-77")])
        #expect(offsets.map(\.invoiceID) == [2])
    }

    @Test func twoAdvancesNeverProposeTheSameMoney() {
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: [Self.invoice(1, day: 20, amount: 1_000_000)])
        let offsets = matcher.offset([Self.advance(8, day: 12, remaining: 700_000),
                                      Self.advance(7, day: 10, remaining: 700_000)])
        #expect(offsets.map(\.advanceID) == [7, 8])
        #expect(offsets.map(\.amount) == [700_000, 300_000])
    }

    @Test func thePolicyDecidesWhetherOffsetsAreAutomatic() {
        var rules = PaymentMatcherTests.rules
        rules.advanceOffset = .auto
        var matcher = PaymentMatcher(rules: rules, invoices: [Self.invoice(1, day: 20, amount: 1_000_000)])
        #expect(matcher.offset([Self.advance(7, day: 10, remaining: 400_000)]).map(\.status) == [.auto])
        rules.advanceOffset = .off
        var off = PaymentMatcher(rules: rules, invoices: [Self.invoice(1, day: 20, amount: 1_000_000)])
        #expect(off.offset([Self.advance(7, day: 10, remaining: 400_000)]).isEmpty)
    }
}

/// A payment agent's single line for several payers, split by the registry in its purpose (MT940 `:86:`).
@Suite struct PaymentRegistryTests {
    static let registry = "1) 207654321 BOG'DOD FERMER XK 7500000,00 SF-2025/0150;2) 208765432 ZARAFSHON BOG'LARI MCHJ "
        + "6250000,00 sch.151 ot 05.03.25; 3) PINFL 31503850270019 KARIMOV A. 5000000,00 shartnoma 22/2025"
    static let book = [
        PaymentMatcherTests.invoice(150, "SF-2025/0150", "207654321", 7_500_000),
        PaymentMatcherTests.invoice(151, "SF-2025/0151", "208765432", 6_250_000),
    ]

    @Test func eachPayerOfTheRegistryIsDecidedOnItsOwn() {
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: Self.book)
        let decision = matcher.decide(PaymentMatcherTests.payment(
            amount: 18_750_000, inn: nil, purpose: Self.registry, name: "PAYMENT AGENT REESTR 20250314-07"))
        #expect(decision.rule == "registry")
        #expect(decision.outcome == "review")
        #expect(decision.allocations.map(\.invoiceID) == [150, 151])
        #expect(decision.allocations.map(\.amount) == [7_500_000, 6_250_000])
        #expect(decision.allocations.allSatisfy { $0.status == .auto })
        #expect(decision.advance?.counterpartyINN == "31503850270019")
        #expect(decision.advance?.amount == 5_000_000)
        #expect(decision.explanation.contains("3) PINFL 31503850270019 KARIMOV A. 5 000 000.00"))
    }

    @Test func aRegistryThatDoesNotAddUpIsNotSplit() {
        #expect(PaymentRegistry.entries(in: Self.registry, total: 18_000_000) == nil)
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: Self.book)
        let decision = matcher.decide(PaymentMatcherTests.payment(amount: 18_000_000, inn: nil, purpose: Self.registry))
        #expect(decision.rule != "registry")
        #expect(decision.allocations.allSatisfy { $0.status != .auto })
    }

    @Test func entriesMustBeNumberedInOrder() {
        let text = "1) 207654321 A XK 100,00 x; 3) 208765432 B MCHJ 100,00 y"
        #expect(PaymentRegistry.entries(in: text, total: 200) == nil)
        let good = PaymentRegistry.entries(in: "1) 207654321 A XK 100,00 x; 2) INN 208765432 B MCHJ 100.50", total: 200.5)
        #expect(good?.map(\.taxID) == ["207654321", "208765432"])
        #expect(good?.map(\.purpose) == ["x", ""])
    }
}
