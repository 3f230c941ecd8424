import Foundation
import HubCore
import Reconciliation
import Testing

/// A payment in another currency than its invoice: matched in the invoice's currency by the bank's conversion
/// (camt `AmtDtls/InstdAmt`) or the central bank's rate, the exchange difference kept beside the allocation.
@Suite struct ForeignCurrencyMatchingTests {
    static let client = "301234567"

    /// A contract in dollars: invoice SF-USD-7 for 1 000.00 USD, issued on 3 March.
    static let dollarInvoice = OpenInvoice(
        id: 7, number: "SF-USD-7", issuedOn: CalendarDate(year: 2025, month: 3, day: 3)!, dueOn: nil,
        counterpartyINN: client, currency: "USD", amount: 1_000, residual: 1_000)

    /// The central bank's dollar: 12 600.00 on 3 March, 12 650.37 on 14 March (a Friday), nothing since.
    static var rates: ExchangeRates {
        var rates = ExchangeRates()
        rates.add(currency: "USD", on: CalendarDate(year: 2025, month: 3, day: 3)!, rate: 12_600, nominal: 1)
        rates.add(currency: "USD", on: CalendarDate(year: 2025, month: 3, day: 14)!,
                  rate: Decimal(string: "12650.37")!, nominal: 1)
        rates.add(currency: "JPY", on: CalendarDate(year: 2025, month: 3, day: 14)!, rate: 8_450, nominal: 100)
        rates.sort()
        return rates
    }

    func payment(_ amount: Decimal, day: Int = 14, purpose: String = "Оплата по счету SF-USD-7",
                 instructed: (Decimal, String)? = nil) -> PaymentToMatch {
        var payment = PaymentToMatch(id: 1, direction: .incoming, amount: amount, currency: "UZS",
                                     bookedOn: CalendarDate(year: 2025, month: 3, day: day)!, counterpartyINN: Self.client,
                                     resolvedBy: "inn", purpose: purpose)
        payment.instructed = instructed.map { (amount: $0.0, currency: $0.1) }
        return payment
    }

    func decide(_ payment: PaymentToMatch, rates: ExchangeRates = Self.rates) -> PaymentDecision {
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: [Self.dollarInvoice], rates: rates)
        return matcher.decide(payment)
    }

    @Test func theRatesTakeTheLatestEarlierDayWithinTheAgeLimitAndTheNominal() {
        let rates = Self.rates
        #expect(rates.rate(of: "USD", on: CalendarDate(year: 2025, month: 3, day: 16)!) == Decimal(string: "12650.37"))
        #expect(rates.rate(of: "USD", on: CalendarDate(year: 2025, month: 3, day: 22)!) == nil)  // 8 days old
        #expect(rates.rate(of: "USD", on: CalendarDate(year: 2025, month: 3, day: 2)!) == nil)
        #expect(rates.rate(of: "JPY", on: CalendarDate(year: 2025, month: 3, day: 14)!) == Decimal(string: "84.5"))
        #expect(rates.rate(of: "UZS", on: CalendarDate(year: 2025, month: 3, day: 14)!) == 1)
    }

    @Test func theBanksConversionPaysTheDollarInvoiceAndTheDifferenceStandsApart() throws {
        let decision = decide(payment(12_655_000, instructed: (1_000, "USD")))
        #expect(decision.rule == "R3" && decision.outcome == "matched")
        let allocation = try #require(decision.allocations.first)
        #expect(allocation.amount == 1_000)  // in the invoice's currency
        let conversion = try #require(allocation.conversion)
        #expect(conversion.source == .bank && conversion.paidAmount == 12_655_000 && conversion.rate == 12_655)
        // 12 655 000 UZS at the day's 12 650.37 is worth 12 655 000; the invoice share was worth 12 600 000.
        #expect(conversion.exchangeDifference == 55_000)
        #expect(decision.explanation.contains("12 655 000.00 UZS = 1 000.00 USD by the bank's conversion"))
        #expect(allocation.explanation.contains("exchange difference 55 000.00 UZS"))
    }

    @Test func withoutTheBanksFigureTheCentralBankRateOfTheDayConverts() throws {
        let decision = decide(payment(12_650_370))
        #expect(decision.rule == "R3" && decision.outcome == "matched")
        let conversion = try #require(decision.allocations.first?.conversion)
        #expect(conversion.source == .centralBank && conversion.paidAmount == 12_650_370)
        #expect(conversion.exchangeDifference == 50_370)
        #expect(decision.advance == nil)
    }

    @Test func anOverpaymentInSumsKeepsItsSurplusInSums() throws {
        // 1 200 USD worth at the day's rate: the invoice takes 1 000, the rest is an advance in the line's money.
        let decision = decide(payment(Decimal(string: "15180444")!))
        #expect(decision.rule == "R6")
        let allocation = try #require(decision.allocations.first)
        #expect(allocation.amount == 1_000 && allocation.conversion?.paidAmount == 12_650_370)
        #expect(decision.advance?.amount == Decimal(string: "2530074"))
    }

    @Test func noRateForTheDayLeavesTheLineInItsOwnCurrency() {
        let decision = decide(payment(12_650_370, day: 28))
        #expect(decision.allocations.isEmpty)
        #expect(decision.outcome == "unmatched")
    }

    @Test("the warehouse's invoicing currencies decide, paid invoices included, so a rerun converts as the run did")
    func theWarehousesInvoicingCurrenciesDecide() {
        var rates = Self.rates
        rates.invoiceCurrencies = [Self.client: "USD"]
        // The client's dollar invoice is paid (not open): the line is still seen in dollars.
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: [], rates: rates)
        let converted = matcher.decide(payment(12_650_370))
        #expect(converted.outcome == "unmatched")
        #expect(converted.explanation.contains("at the central bank's rate"), "\(converted.explanation)")
        // Invoices in two currencies (absent from the map): not converted, though the open one is in dollars.
        rates.invoiceCurrencies = [:]
        var mixed = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: [Self.dollarInvoice], rates: rates)
        let kept = mixed.decide(payment(12_650_370))
        #expect(!kept.explanation.contains("at the central bank's rate"), "\(kept.explanation)")
        #expect(kept.allocations.first?.conversion == nil)
    }

    @Test func aPayerWithInvoicesInSumsIsNotConverted() {
        let sums = OpenInvoice(id: 8, number: "SF-8", issuedOn: CalendarDate(year: 2025, month: 3, day: 5)!,
                               dueOn: nil, counterpartyINN: Self.client, currency: "UZS", amount: 12_650_370,
                               residual: 12_650_370)
        var matcher = PaymentMatcher(rules: PaymentMatcherTests.rules, invoices: [Self.dollarInvoice, sums],
                                     rates: Self.rates)
        let decision = matcher.decide(payment(12_650_370, purpose: "Оплата по счету SF-8"))
        #expect(decision.rule == "R3" && decision.allocations.map(\.invoiceID) == [8])
        #expect(decision.allocations.first?.conversion == nil)
    }
}
