import Foundation
import HubCore
import Loans
import Testing

func day(_ iso: String) throws -> CalendarDate {
    try #require(CalendarDate(isoDate: iso))
}

func amount(_ text: String) throws -> Decimal {
    try #require(Decimal(string: text.replacingOccurrences(of: " ", with: "")))
}

/// The reference's example loan (§3.2): 120 000 000.00 UZS at 24 % for 12 months, disbursed 2024-11-15.
func exampleTerms(_ method: RepaymentMethod, _ dayCount: DayCountConvention) throws -> LoanTerms {
    LoanTerms(principal: 120_000_000, annualRatePercent: 24, months: 12, method: method, dayCount: dayCount,
              disbursed: try day("2024-11-15"))
}

/// One row of a schedule as text, the way the reference and the oracle print it.
func row(_ instalment: ScheduledInstalment) -> String {
    [String(instalment.number), instalment.dueDate.iso, String(instalment.days), instalment.payment.amountText,
     instalment.principal.amountText, instalment.interest.amountText, instalment.balance.amountText]
        .joined(separator: ",")
}

/// The oracle's schedule in `Fixtures/<name>.csv` (scripts/loan-oracle.py), without the header.
func oracleRows(_ name: String) throws -> [String] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/\(name).csv")
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map(String.init)
}
