import Foundation
import HubCore

/// `payment-registry`: the registry a payment agent (or a bank) sends beside a statement line that pays for
/// several payers at once (docs/connectors/payment-registry.md). Comma-separated, UTF-8 or Windows-1251, a header
/// line with exactly `registry,date,position,payer_tax_id,payer_name,amount,purpose`, then one payer per line:
///
///     registry,date,position,payer_tax_id,payer_name,amount,purpose
///     20250315-02,2025-03-15,1,207654321,BOG'DOD FERMER XK,7500000.00,SF-2025/0150
///
/// `registry` is the reference the agent writes into the line's purpose or end-to-end id
/// (`PAYMENT AGENT REESTR 20250315-02`): how reconciliation finds the line the registry splits.
public enum PaymentRegistryFile {
    public static let columns = ["registry", "date", "position", "payer_tax_id", "payer_name", "amount", "purpose"]

    /// One payer of a registry.
    public struct Entry: Sendable, Equatable {
        public var registry: String
        public var date: CalendarDate
        public var position: Int
        /// INN (9 digits) or PINFL (14).
        public var payerTaxID: String
        public var payerName: String
        public var amount: ExactAmount
        public var purpose: String
        public var line: Int
    }

    /// The entry on one data line, or why it cannot be read.
    public static func entry(_ row: DelimitedTextFile.Row) -> Result<Entry, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<Entry, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        let fields: [String]
        switch row.trimmedFields(count: columns.count) {
        case .success(let read): fields = read
        case .failure(let rejection): return .failure(rejection)
        }
        for (name, value) in zip(columns, fields).dropLast() where value.isEmpty {
            return reject("\(name) is empty", name)
        }
        guard let date = CalendarDate(isoDate: fields[1]) ?? CalendarDate(dottedDMY: fields[1]) else {
            return reject("date '\(fields[1].escapingControlCharacters())' is neither YYYY-MM-DD nor DD.MM.YYYY", "date")
        }
        guard let position = Int(fields[2]), position > 0 else {
            return reject("position '\(fields[2].escapingControlCharacters())' is not a positive whole number", "position")
        }
        let taxID = fields[3]
        guard taxID.utf8.count == 9 || taxID.utf8.count == 14, taxID.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return reject("payer_tax_id '\(taxID.escapingControlCharacters())' is neither an INN (9 digits) nor a "
                          + "PINFL (14)", "payer_tax_id")
        }
        let amountText = fields[5].replacingOccurrences(of: " ", with: "").replacingOccurrences(of: ",", with: ".")
        guard let amount = ExactAmount(parsing: amountText), amount.decimal > 0 else {
            return reject("amount '\(fields[5].escapingControlCharacters())' is not a positive number", "amount")
        }
        return .success(Entry(registry: fields[0], date: date, position: position, payerTaxID: taxID,
                              payerName: fields[4], amount: amount, purpose: fields[6], line: row.line))
    }
}
