import Foundation
import HubCore
import Loans
import Testing

/// Days past due, overdue amounts and buckets (reference §4.1).
@Suite struct ArrearsTests {
    /// The annuity 30/360 example's schedule as what each instalment owes.
    static func exampleDues() throws -> [InstalmentDue] {
        try LoanScheduleCalculator.schedule(exampleTerms(.annuity, .thirty360)).instalments.map {
            InstalmentDue(dueDate: $0.dueDate, principal: $0.principal, interest: $0.interest)
        }
    }

    @Test func theReferencesWorkedExample() throws {
        // Instalment 1 paid in full, instalment 2 paid 4 000 000.00 of 11 347 151.59, instalment 3 unpaid.
        let repayments = [LoanRepayment(date: try day("2024-12-15"), amount: try amount("11347151.59")),
                          LoanRepayment(date: try day("2025-01-15"), amount: 4_000_000)]
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: repayments,
                                                  on: try day("2025-02-20"))
        #expect(position.daysPastDue == 36)
        #expect(position.oldestUnpaidDueDate == (try day("2025-01-15")))
        #expect(position.overdueAmount.amountText == "18694303.18")
        #expect(position.overdueInstalments == 2)
        #expect(DelinquencyBands.agingDefault.band(for: position.daysPastDue).name == "31–60")
        #expect(position.lastPaymentDate == (try day("2025-01-15")))
    }

    @Test(arguments: [(0, "current"), (1, "1–30"), (30, "1–30"), (31, "31–60"), (60, "31–60"), (61, "61–90"),
                      (90, "61–90"), (91, "90+"), (400, "90+")])
    func bucketBoundariesAreInclusive(_ days: Int, _ bucket: String) throws {
        // Nothing paid: the first instalment (2024-12-15) is the oldest unpaid one.
        let businessDate = try day("2024-12-15").adding(days: days)
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: [], on: businessDate)
        #expect(position.daysPastDue == days)
        #expect(DelinquencyBands.agingDefault.band(for: position.daysPastDue).name == bucket)
    }

    @Test func anInstalmentDueTodayIsNotYetOverdue() throws {
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: [],
                                                  on: try day("2024-12-15"))
        #expect(position.daysPastDue == 0)
        #expect(position.overdueAmount == 0)
        #expect(position.oldestUnpaidDueDate == nil)
    }

    @Test func aPartialPaymentReducesTheAmountButNotTheDays() throws {
        let dues = try Self.exampleDues()
        let on = try day("2025-01-10")
        let unpaid = ArrearsCalculator.position(instalments: dues, repayments: [], on: on)
        let partial = ArrearsCalculator.position(
            instalments: dues, repayments: [LoanRepayment(date: try day("2025-01-05"), amount: 10_000_000)], on: on)
        #expect(unpaid.daysPastDue == 26)
        #expect(partial.daysPastDue == 26)
        #expect(partial.overdueAmount == unpaid.overdueAmount - 10_000_000)
        // The product's order: interest first (2 400 000.00), then principal.
        #expect(partial.overdueInterest == 0)
        #expect(partial.overduePrincipal.amountText == "1347151.59")
    }

    @Test func aLatePaymentInFullClearsTheArrears() throws {
        let repayments = [LoanRepayment(date: try day("2025-01-03"), amount: try amount("11347151.59"))]
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: repayments,
                                                  on: try day("2025-01-10"))
        #expect(position.daysPastDue == 0)
        #expect(position.overdueAmount == 0)
        // And the day before it was paid, the same contract was 18 days late.
        let before = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: repayments,
                                                on: try day("2025-01-02"))
        #expect(before.daysPastDue == 18)
    }

    @Test func anEarlyPaymentCoversLaterInstalments() throws {
        // Three instalments' worth paid before the first due date: nothing is overdue until the fourth is missed.
        let early = [LoanRepayment(date: try day("2024-12-01"), amount: try amount("34041454.77"))]
        let dues = try Self.exampleDues()
        #expect(ArrearsCalculator.position(instalments: dues, repayments: early, on: try day("2025-02-20"))
            .daysPastDue == 0)
        let missed = ArrearsCalculator.position(instalments: dues, repayments: early, on: try day("2025-03-20"))
        #expect(missed.daysPastDue == 5)
        #expect(missed.oldestUnpaidDueDate == (try day("2025-03-15")))
        #expect(missed.outstandingPrincipal < 120_000_000 - 27_000_000)
    }

    @Test func theBanksSplitIsKeptAsGiven() throws {
        // The bank says the whole first payment was principal: the interest of instalment 1 stays overdue.
        let repayments = [LoanRepayment(date: try day("2024-12-15"), amount: try amount("11347151.59"),
                                        principal: try amount("11347151.59"), interest: 0)]
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: repayments,
                                                  on: try day("2024-12-20"))
        #expect(position.daysPastDue == 5)
        #expect(position.overdueInterest == 2_400_000)
        #expect(position.overduePrincipal == 0)
    }

    @Test func repaymentsAfterTheBusinessDateAreIgnored() throws {
        let repayments = [LoanRepayment(date: try day("2025-01-20"), amount: try amount("11347151.59"))]
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: repayments,
                                                  on: try day("2025-01-10"))
        #expect(position.daysPastDue == 26)
        #expect(position.lastPaymentDate == nil)
    }

    @Test func graceDaysShiftTheStart() throws {
        let position = ArrearsCalculator.position(instalments: try Self.exampleDues(), repayments: [],
                                                  on: try day("2024-12-20"), graceDays: 3)
        #expect(position.daysPastDue == 2)
    }

    @Test func overpaymentBeyondTheScheduleIsKeptApart() throws {
        let schedule = try LoanScheduleCalculator.schedule(exampleTerms(.annuity, .thirty360))
        let position = ArrearsCalculator.position(
            instalments: try Self.exampleDues(),
            repayments: [LoanRepayment(date: try day("2024-12-01"), amount: schedule.totalPayment + 5)],
            on: try day("2026-01-01"))
        #expect(position.outstandingPrincipal == 0)
        #expect(position.overdueAmount == 0)
        #expect(position.overpaid == 5)
    }

    @Test func bandsMustCoverEveryDayOnce() {
        #expect(throws: DelinquencyBandsProblem.gapOrOverlap("a", "b")) {
            try DelinquencyBands([.init(name: "a", minimumDays: 0, maximumDays: 10),
                                  .init(name: "b", minimumDays: 12, maximumDays: nil)])
        }
        #expect(throws: DelinquencyBandsProblem.lastBandClosed("a")) {
            try DelinquencyBands([.init(name: "a", minimumDays: 0, maximumDays: 10)])
        }
        #expect(DelinquencyBands.classificationDefault.band(for: 200).name == "doubtful")
    }
}
