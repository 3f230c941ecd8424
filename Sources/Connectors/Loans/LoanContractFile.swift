import Foundation
import HubCore

/// `loan-contracts`: loan contracts exported by the core banking system (АБС), one per line
/// (docs/connectors/loan-contracts.md). Comma-separated, UTF-8 or Windows-1251, a header line with exactly the
/// `columns`, e.g.
///
///     contract,borrower_id,borrower_name,borrower_phone,product,branch,manager,currency,principal,rate,months,method,day_count,disbursed,first_due
///     KR-2024-000117,30211199800014,Karimov Aziz,+998901234567,CONSUMER,Tashkent-01,Usmonova D.,UZS,120000000.00,24,12,annuity,act/365,2024-11-15,
///
/// The schedule is not in the file: CRMHub's credit calculator computes it from these terms (the same numbers a
/// loan officer quoted), rounded by the product's setting in `mappings/loans.yaml`.
public enum LoanContractFile {
    public static let columns = ["contract", "borrower_id", "borrower_name", "borrower_phone", "product", "branch",
                                 "manager", "currency", "principal", "rate", "months", "method", "day_count",
                                 "disbursed", "first_due"]
    public static let methods = ["annuity", "differentiated"]
    public static let dayCounts = ["30/360", "act/365", "act/act", "act/360"]

    public struct Contract: Sendable, Equatable {
        public var number: String
        /// INN (9 digits) or PINFL (14).
        public var borrowerID: String
        public var borrowerName: String
        public var borrowerPhone: String?
        public var product: String
        public var branch: String?
        public var manager: String?
        public var currency: String
        public var principal: ExactAmount
        public var annualRatePercent: ExactAmount
        public var months: Int
        public var method: String
        public var dayCount: String
        public var disbursed: CalendarDate
        public var firstDue: CalendarDate?
        public var line: Int
    }

    public static func contract(_ row: DelimitedTextFile.Row) -> Result<Contract, LineRejection> {
        do throws(LineRejection) {
            return contract(try LoanFileFields(row, columns: columns))
        } catch {
            return .failure(error)
        }
    }

    /// The contract in a record's fields (a CSV line's, or an XML element's: `LoanXMLFile`).
    public static func contract(_ fields: LoanFileFields) -> Result<Contract, LineRejection> {
        do throws(LineRejection) {
            let borrower = try fields.text("borrower_id")
            guard borrower.utf8.count == 9 || borrower.utf8.count == 14,
                  borrower.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw fields.reject("borrower_id", "borrower_id '\(borrower.escapingControlCharacters())' is neither "
                                        + "an INN (9 digits) nor a PINFL (14)")
            }
            let currency = try fields.text("currency").uppercased()
            guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                throw fields.reject("currency", "currency '\(currency.escapingControlCharacters())' is not an ISO "
                                        + "4217 code such as UZS")
            }
            guard let months = try fields.optionalWholeNumber("months", in: 1...600) else {
                throw fields.reject("months", "months is empty")
            }
            return .success(Contract(
                number: try fields.text("contract"), borrowerID: borrower, borrowerName: try fields.text("borrower_name"),
                borrowerPhone: fields.optional("borrower_phone"), product: try fields.text("product"),
                branch: fields.optional("branch"), manager: fields.optional("manager"), currency: currency,
                principal: try fields.amount("principal"), annualRatePercent: try fields.amount("rate", positive: false),
                months: months, method: try fields.optionalChoice("method", methods) ?? "annuity",
                dayCount: try fields.optionalChoice("day_count", dayCounts) ?? "act/365",
                disbursed: try fields.date("disbursed"), firstDue: try fields.optionalDate("first_due"), line: fields.line))
        } catch {
            return .failure(error)
        }
    }
}
