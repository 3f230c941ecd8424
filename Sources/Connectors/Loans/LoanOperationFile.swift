import Foundation
import HubCore

/// `loan-operations`: what happened on the contracts, exported by the core banking system, one operation per
/// line (docs/connectors/loan-operations.md). Comma-separated, UTF-8 or Windows-1251, a header line with exactly
/// the `columns`. The operations:
/// - `disbursement`: `amount` paid out;
/// - `repayment`: `amount` received, with the bank's split into `principal`, `interest` and `penalty` when it
///   gives one (all three, adding up to the amount), else split by the product's order;
/// - `restructuring`: a new schedule from `date`: `principal` (what is to be repaid under it), `rate`, `months`,
///   and `method`, `day_count`, `first_due` when they change;
/// - `write_off`: `amount` written off on `date`.
///
/// `reference` is the operation's own id in the bank's system: with the contract, what makes a re-import change
/// nothing.
public enum LoanOperationFile {
    public static let columns = ["contract", "date", "operation", "reference", "amount", "principal", "interest",
                                 "penalty", "rate", "months", "method", "day_count", "first_due"]
    public static let operations = ["disbursement", "repayment", "restructuring", "write_off"]

    public struct Operation: Sendable, Equatable {
        public var contract: String
        public var date: CalendarDate
        public var kind: String
        public var reference: String
        public var amount: ExactAmount?
        public var principal: ExactAmount?
        public var interest: ExactAmount?
        public var penalty: ExactAmount?
        public var annualRatePercent: ExactAmount?
        public var months: Int?
        public var method: String?
        public var dayCount: String?
        public var firstDue: CalendarDate?
        public var line: Int
    }

    public static func operation(_ row: DelimitedTextFile.Row) -> Result<Operation, LineRejection> {
        do throws(LineRejection) {
            return operation(try LoanFileFields(row, columns: columns))
        } catch {
            return .failure(error)
        }
    }

    /// The operation in a record's fields (a CSV line's, or an XML element's: `LoanXMLFile`).
    public static func operation(_ fields: LoanFileFields) -> Result<Operation, LineRejection> {
        do throws(LineRejection) {
            guard let kind = try fields.optionalChoice("operation", operations) else {
                throw fields.reject("operation", "operation is empty")
            }
            var operation = Operation(
                contract: try fields.text("contract"), date: try fields.date("date"), kind: kind,
                reference: try fields.text("reference"), amount: try fields.optionalAmount("amount", positive: true),
                principal: try fields.optionalAmount("principal"), interest: try fields.optionalAmount("interest"),
                penalty: try fields.optionalAmount("penalty"),
                annualRatePercent: try fields.optionalAmount("rate"),
                months: try fields.optionalWholeNumber("months", in: 1...600),
                method: try fields.optionalChoice("method", LoanContractFile.methods),
                dayCount: try fields.optionalChoice("day_count", LoanContractFile.dayCounts),
                firstDue: try fields.optionalDate("first_due"), line: fields.line)
            switch kind {
            case "restructuring":
                guard operation.principal.map({ $0.decimal > 0 }) == true else {
                    throw fields.reject("principal", "a restructuring needs the principal of its new schedule")
                }
                guard operation.annualRatePercent != nil, operation.months != nil else {
                    throw fields.reject(operation.annualRatePercent == nil ? "rate" : "months",
                                        "a restructuring needs the new schedule's rate and months")
                }
                operation.amount = nil
            case "repayment":
                guard let amount = operation.amount else { throw fields.reject("amount", "amount is empty") }
                let parts = [operation.principal, operation.interest, operation.penalty]
                if parts.contains(where: { $0 != nil }) {
                    let sum = parts.reduce(Decimal(0)) { $0 + ($1?.decimal ?? 0) }
                    guard sum == amount.decimal else {
                        throw fields.reject("amount", "principal, interest and penalty add up to \(sum), not to the "
                                                + "amount \(amount.text)")
                    }
                    // The bank gave a split: what it left empty is 0.
                    operation.principal = operation.principal ?? ExactAmount(parsing: "0")
                    operation.interest = operation.interest ?? ExactAmount(parsing: "0")
                    operation.penalty = operation.penalty ?? ExactAmount(parsing: "0")
                }
            default:
                guard operation.amount != nil else { throw fields.reject("amount", "amount is empty") }
                guard operation.principal == nil, operation.interest == nil, operation.penalty == nil else {
                    throw fields.reject("principal", "only a repayment is split into principal, interest and penalty")
                }
            }
            return .success(operation)
        } catch {
            return .failure(error)
        }
    }
}
