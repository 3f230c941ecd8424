import Foundation
import HubCore

/// `fx-rates`: the central bank's exchange rates as a CSV file (docs/connectors/fx-rates.md). Comma-separated,
/// UTF-8 or Windows-1251, a header line with exactly `date,currency,rate,nominal`, then one rate per line:
/// `2025-03-14,USD,12650.37,1` — `rate` units of the base currency (UZS) for `nominal` units of `currency`.
/// The Central Bank of Uzbekistan publishes the same four fields (`Date`, `Ccy`, `Rate`, `Nominal`).
public enum ExchangeRateFile {
    public static let columns = ["date", "currency", "rate", "nominal"]

    /// One published rate.
    public struct Record: Sendable, Equatable {
        public var date: CalendarDate
        public var currency: String
        public var rate: ExactAmount
        public var nominal: Int
        public var line: Int
    }

    /// The rate on one data line, or why it cannot be read. The date may be written `2025-03-14` or, as the
    /// central bank writes it, `14.03.2025`; the rate with a decimal point (a comma only inside quotes, where it
    /// cannot split the line); an empty nominal is 1.
    public static func record(_ row: DelimitedTextFile.Row) -> Result<Record, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<Record, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        let fields: [String]
        switch row.trimmedFields(count: columns.count) {
        case .success(let read): fields = read
        case .failure(let rejection): return .failure(rejection)
        }
        guard let date = CalendarDate(isoDate: fields[0]) ?? CalendarDate(dottedDMY: fields[0]) else {
            return reject("date '\(fields[0].escapingControlCharacters())' is neither YYYY-MM-DD nor DD.MM.YYYY", "date")
        }
        let currency = fields[1].uppercased()
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        else {
            return reject("currency '\(fields[1].escapingControlCharacters())' is not an ISO 4217 code such as USD",
                          "currency")
        }
        let rateText = fields[2].replacingOccurrences(of: " ", with: "").replacingOccurrences(of: ",", with: ".")
        guard let rate = ExactAmount(parsing: rateText), rate.decimal > 0 else {
            return reject("rate '\(fields[2].escapingControlCharacters())' is not a positive number", "rate")
        }
        guard let nominal = fields[3].isEmpty ? 1 : Int(fields[3]), nominal > 0 else {
            return reject("nominal '\(fields[3].escapingControlCharacters())' is not a positive whole number", "nominal")
        }
        return .success(Record(date: date, currency: currency, rate: rate, nominal: nominal, line: row.line))
    }
}
