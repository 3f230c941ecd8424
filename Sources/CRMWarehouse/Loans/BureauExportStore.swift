import Foundation
import HubCore
import Logging
import PostgresNIO

/// What the credit-bureau file can be made of (every record kind's columns, read from the warehouse for a
/// reporting date), and the record of each file written (`ops.bureau_submissions`). The layout — which
/// records, which columns in which order — is the layout file's (`BureauLayout`), not this type's.
package struct BureauExportStore: Sendable {
    /// How a column's values are checked and written.
    package enum ValueKind: Sendable {
        case text, date, amount, whole, identifier
    }

    package struct Column: Sendable {
        package var name: String
        package var kind: ValueKind
    }

    /// A record kind's columns and the query that reads them (rows ordered by contract; `$1` the reporting date).
    package struct RecordSource: Sendable {
        package var kind: String
        package var columns: [Column]
        var query: String
    }

    package static let header = RecordSource(kind: "header", columns: [
        Column(name: "submission_id", kind: .text), Column(name: "sender", kind: .text),
        Column(name: "reporting_date", kind: .date), Column(name: "created_on", kind: .date),
        Column(name: "layout_version", kind: .text),
    ], query: "")

    package static let trailer = RecordSource(kind: "trailer", columns: [
        Column(name: "record_count", kind: .whole), Column(name: "contract_count", kind: .whole),
        Column(name: "outstanding_principal_total", kind: .amount), Column(name: "overdue_amount_total", kind: .amount),
    ], query: "")

    /// The contracts disbursed by the date with the day's arrears (the snapshot must have been taken).
    package static let sources: [RecordSource] = [
        RecordSource(kind: "contract", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "borrower_kind", kind: .text),
            Column(name: "borrower_id", kind: .identifier), Column(name: "borrower_name", kind: .text),
            Column(name: "borrower_phone", kind: .text), Column(name: "product", kind: .text),
            Column(name: "branch", kind: .text), Column(name: "manager", kind: .text),
            Column(name: "currency", kind: .text), Column(name: "principal", kind: .amount),
            Column(name: "annual_rate", kind: .amount), Column(name: "months", kind: .whole),
            Column(name: "method", kind: .text), Column(name: "day_count", kind: .text),
            Column(name: "disbursed_on", kind: .date), Column(name: "maturity_on", kind: .date),
            Column(name: "status", kind: .text), Column(name: "outstanding_principal", kind: .amount),
            Column(name: "days_past_due", kind: .whole),
        ], query: """
            SELECT l.contract_number, CASE WHEN length(l.borrower_id) = 14 THEN 'PINFL' ELSE 'INN' END, l.borrower_id,
                   l.borrower_name, l.borrower_phone, l.product, l.branch, l.manager, l.currency, l.principal::text,
                   l.annual_rate::text, l.months::text, l.method, l.day_count, l.disbursed_on::text,
                   (SELECT max(s.due_on) FROM core.loan_schedule s
                    WHERE s.loan_id = l.loan_id AND s.effective_from = a.schedule_from)::text,
                   a.status, a.outstanding_principal::text, a.days_past_due::text
            FROM core.loans l JOIN mart.loan_arrears a ON a.loan_id = l.loan_id AND a.snapshot_date = $1::date
            ORDER BY l.contract_number
            """),
        RecordSource(kind: "schedule", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "number", kind: .whole),
            Column(name: "due_on", kind: .date), Column(name: "payment", kind: .amount),
            Column(name: "principal", kind: .amount), Column(name: "interest", kind: .amount),
            Column(name: "balance", kind: .amount),
        ], query: """
            SELECT l.contract_number, s.number::text, s.due_on::text, s.payment::text, s.principal::text,
                   s.interest::text, s.balance::text
            FROM core.loans l JOIN mart.loan_arrears a ON a.loan_id = l.loan_id AND a.snapshot_date = $1::date
            JOIN core.loan_schedule s ON s.loan_id = l.loan_id AND s.effective_from = a.schedule_from
            ORDER BY l.contract_number, s.number
            """),
        RecordSource(kind: "repayment", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "reference", kind: .text),
            Column(name: "paid_on", kind: .date), Column(name: "amount", kind: .amount),
            Column(name: "principal", kind: .amount), Column(name: "interest", kind: .amount),
            Column(name: "penalty", kind: .amount),
        ], query: """
            SELECT l.contract_number, p.reference, p.paid_on::text, p.amount::text, p.principal::text,
                   p.interest::text, p.penalty::text
            FROM core.loans l JOIN core.loan_payments p ON p.loan_id = l.loan_id
            WHERE p.kind = 'repayment' AND p.paid_on <= $1::date AND l.disbursed_on <= $1::date
            ORDER BY l.contract_number, p.paid_on, p.reference
            """),
        RecordSource(kind: "overdue", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "days_past_due", kind: .whole),
            Column(name: "bucket", kind: .text), Column(name: "classification", kind: .text),
            Column(name: "oldest_unpaid_due_on", kind: .date), Column(name: "overdue_principal", kind: .amount),
            Column(name: "overdue_interest", kind: .amount), Column(name: "overdue_amount", kind: .amount),
        ], query: """
            SELECT contract_number, days_past_due::text, bucket, classification, oldest_unpaid_due_on::text,
                   overdue_principal::text, overdue_interest::text, overdue_amount::text
            FROM mart.loan_arrears WHERE snapshot_date = $1::date AND days_past_due > 0
            ORDER BY contract_number
            """),
        RecordSource(kind: "restructuring", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "reference", kind: .text),
            Column(name: "effective_from", kind: .date), Column(name: "principal", kind: .amount),
            Column(name: "annual_rate", kind: .amount), Column(name: "months", kind: .whole),
        ], query: """
            SELECT l.contract_number, v.reference, v.effective_from::text, v.principal::text, v.annual_rate::text,
                   v.months::text
            FROM core.loans l JOIN core.loan_schedule_versions v ON v.loan_id = l.loan_id
            WHERE v.reason = 'restructuring' AND v.effective_from <= $1::date
            ORDER BY l.contract_number, v.effective_from
            """),
        RecordSource(kind: "write_off", columns: [
            Column(name: "contract_number", kind: .text), Column(name: "reference", kind: .text),
            Column(name: "written_off_on", kind: .date), Column(name: "amount", kind: .amount),
        ], query: """
            SELECT l.contract_number, p.reference, p.paid_on::text, p.amount::text
            FROM core.loans l JOIN core.loan_payments p ON p.loan_id = l.loan_id
            WHERE p.kind = 'write_off' AND p.paid_on <= $1::date
            ORDER BY l.contract_number, p.paid_on, p.reference
            """),
    ]

    /// Every record kind a layout may name, with its columns.
    package static var allKinds: [RecordSource] { [header] + sources + [trailer] }

    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// What `write` is handed.
    package struct Export {
        package var submission: String
        var connection: LoadConnection
        var logger: Logger
        package var date: CalendarDate

        /// Streams the rows of `source` for the date, each as its columns' values in order (nil for NULL).
        package func rows(_ source: RecordSource, _ body: ([String?]) throws -> Void) async throws {
            var binds = PostgresBindings()
            binds.append(date.iso)
            let width = source.columns.count
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: source.query, binds: binds),
                                                           logger: logger) {
                var values: [String?] = []
                values.reserveCapacity(width)
                for cell in row { values.append(try cell.decode(String?.self)) }
                try body(values)
            }
        }
    }

    /// What a written file adds up to, for its submission record.
    package struct Written: Sendable {
        package var sha256: String
        package var records: [String: Int]
        package var contracts: Int
        package var outstanding: String
        package var overdue: String

        package init(sha256: String, records: [String: Int], contracts: Int, outstanding: String, overdue: String) {
            self.sha256 = sha256
            self.records = records
            self.contracts = contracts
            self.outstanding = outstanding
            self.overdue = overdue
        }
    }

    /// Opens one repeatable-read transaction (every record kind sees the same warehouse), numbers the
    /// submission, lets `write` produce and check the file, and records it; a `write` that throws records nothing.
    package func export(on date: CalendarDate, layout: String, layoutVersion: String, fileName: String,
                        write: (Export) async throws -> Written) async throws -> (id: Int64, submission: String) {
        let logger = warehouse.logger
        return try await warehouse.withLoadConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
                let id = try await connection.query("SELECT nextval('ops.bureau_submissions_id_seq')",
                                                    logger: logger).collect().first!.decode(Int64.self)
                let compact = date.iso.replacingOccurrences(of: "-", with: "")
                let submission = "\(layout.uppercased())-\(compact)-\(id)"
                let written = try await write(Export(submission: submission, connection: connection, logger: logger,
                                                     date: date))
                let records = String(decoding: try JSONEncoder().encode(written.records), as: UTF8.self)
                try await connection.query("""
                    INSERT INTO ops.bureau_submissions (id, reporting_date, layout, layout_version, submission, file_name,
                        sha256, records, contracts, outstanding_total, overdue_total)
                    VALUES (\(id), \(date.iso)::date, \(layout), \(layoutVersion), \(submission), \(fileName),
                        \(written.sha256), \(records)::jsonb, \(written.contracts), \(written.outstanding)::numeric,
                        \(written.overdue)::numeric)
                    """, logger: logger)
                return (id, submission)
            }
        }
    }
}
