import Foundation
import HubCore

/// How a period's interest is measured: the share of the annual rate a period earns. The names are the ones
/// bank products and Apache Fineract use (`DaysInYearType`, `DaysInMonthType`); which one a product uses is a
/// product setting, because the Uzbek banks' own convention is not confirmed (reference §3.1).
public enum DayCountConvention: String, Sendable, CaseIterable, Codable {
    /// Every month 30 days, the year 360: a regular monthly period earns exactly rate/12 (the textbook annuity).
    case thirty360 = "30/360"
    /// Actual days over a fixed 365, leap years included (what most Russian and Uzbek contracts write).
    case actual365 = "act/365"
    /// Actual days, each over the length of its own year: a period across 1 January is split there.
    case actualActual = "act/act"
    /// Actual days over 360.
    case actual360 = "act/360"

    /// The interest `balance` (at most two decimals) earns from `start` (exclusive) to `end` (inclusive) at
    /// `annualRatePercent` (at most six decimals), in units of the currency, not rounded: `interestFraction`,
    /// the calculator's own, as a `Decimal`.
    public func interest(on balance: Decimal, annualRatePercent: Decimal, from start: CalendarDate,
                         to end: CalendarDate) -> Decimal {
        let (numerator, denominator) = interestFraction(
            balanceTiyin: Int128(Tiyin.of(balance) ?? 0), rateMicroPercent: Int128(Tiyin.of(annualRatePercent * 10_000) ?? 0),
            from: start, to: end)
        // Int128 has no Decimal initialiser: through its digits, exact to Decimal's 38.
        return Decimal(string: String(numerator))! / Decimal(string: String(denominator))! / 100
    }

    /// The interest as an exact fraction of tiyin: `balanceTiyin` at `rateMicroPercent` millionths of a
    /// percent a year, as (numerator, denominator), for the calculator to round once.
    func interestFraction(balanceTiyin: Int128, rateMicroPercent: Int128, from start: CalendarDate,
                          to end: CalendarDate) -> (Int128, Int128) {
        // A percent in millionths: rate = rateMicroPercent / 100_000_000 a year.
        let yearly = balanceTiyin * rateMicroPercent
        switch self {
        case .thirty360:
            return (yearly * Int128(Self.days360(from: start, to: end)), 100_000_000 * 360)
        case .actual365:
            return (yearly * Int128(end.dayNumber - start.dayNumber), 100_000_000 * 365)
        case .actual360:
            return (yearly * Int128(end.dayNumber - start.dayNumber), 100_000_000 * 360)
        case .actualActual:
            // Days in common years over 365 plus days in leap years over 366, on one denominator.
            var common = 0, leap = 0
            var cursor = start
            while cursor < end {
                let boundary = min(end, CalendarDate(year: cursor.year + 1, month: 1, day: 1)!)
                let days = boundary.dayNumber - cursor.dayNumber
                if CalendarDate.isLeap(cursor.year) { leap += days } else { common += days }
                cursor = boundary
            }
            return (yearly * Int128(common * 366 + leap * 365), 100_000_000 * 365 * 366)
        }
    }

    /// 30/360 with the end-of-month rule (a month's last day counts as its 30th, so 31 January → 28 February is a
    /// whole month of 30 days, like 15 January → 15 February).
    static func days360(from start: CalendarDate, to end: CalendarDate) -> Int {
        let startDay = start.isLastDayOfMonth ? 30 : min(start.day, 30)
        let endDay = end.isLastDayOfMonth && startDay == 30 ? 30 : min(end.day, 30)
        return 360 * (end.year - start.year) + 30 * (end.month - start.month) + endDay - startDay
    }
}
