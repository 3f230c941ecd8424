import Foundation
import HubCore

/// `bureau-response`: the credit bureau's answer to a file CRMHub sent (docs/connectors/katm-bureau.md), one
/// record per line. KATM's real answer format is not public: this is CRMHub's documented layout, which a
/// deployment converts the bureau's answer into. Comma-separated, UTF-8 or Windows-1251, a header line with
/// exactly the `columns`:
///
///     submission,contract,record,line,status,reason_code,message
///     KATM-20250220-1,KR-2024-000117,C,2,accepted,,
///     KATM-20250220-1,KR-2024-000130,O,91,rejected,E17,overdue amount does not match the schedule
public enum BureauResponseFile {
    public static let columns = ["submission", "contract", "record", "line", "status", "reason_code", "message"]
    public static let statuses = ["accepted", "rejected"]

    public struct Answer: Sendable, Equatable {
        public var submission: String
        public var contract: String
        public var record: String
        /// The line of the submitted file; 0 when the bureau does not say.
        public var fileLine: Int
        public var status: String
        public var reasonCode: String?
        public var message: String?
        public var line: Int
    }

    public static func answer(_ row: DelimitedTextFile.Row) -> Result<Answer, LineRejection> {
        do throws(LineRejection) {
            let fields = try LoanFileFields(row, columns: columns)
            guard let status = try fields.optionalChoice("status", statuses) else {
                throw fields.reject("status", "status is empty")
            }
            let answer = Answer(
                submission: try fields.text("submission"), contract: try fields.text("contract"),
                record: try fields.text("record").uppercased(),
                fileLine: try fields.optionalWholeNumber("line", in: 0...Int(Int32.max)) ?? 0, status: status,
                reasonCode: fields.optional("reason_code"), message: fields.optional("message"), line: row.line)
            if status == "rejected" && answer.reasonCode == nil && answer.message == nil {
                throw fields.reject("message", "a rejected record needs its reason_code or message")
            }
            return .success(answer)
        } catch {
            return .failure(error)
        }
    }
}
