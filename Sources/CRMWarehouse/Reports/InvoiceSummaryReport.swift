import Foundation
import PostgresNIO

/// Per counterparty and currency: invoices issued, paid in 1C and shipped (from `mart.invoice_summary`), for
/// `crmhub demo` and the invoice-summary report.
public struct InvoiceSummaryReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var inn: String?
        /// Nil for a counterparty with no documents yet.
        public var currency: String?
        public var invoices: Int
        public var invoiced: String
        public var paidIn1C: String
        public var shipped: String
    }

    public var rows: [Row]

    public static func read(_ warehouse: Warehouse, limit: Int = 20) async throws -> InvoiceSummaryReport {
        let rows = try await warehouse.client.query("""
            SELECT name, inn, currency, invoices::int, invoiced::text, paid_in_1c::text, shipped::text
            FROM mart.invoice_summary
            WHERE invoices > 0 OR paid_in_1c > 0 OR shipped > 0
            ORDER BY invoiced DESC, name, currency LIMIT \(limit)
            """, logger: warehouse.logger).collect().map { row in
            let (name, inn, currency, invoices, invoiced, paid, shipped) =
                try row.decode((String, String?, String?, Int, String, String, String).self)
            return Row(name: name, inn: inn, currency: currency, invoices: invoices, invoiced: invoiced, paidIn1C: paid,
                       shipped: shipped)
        }
        return InvoiceSummaryReport(rows: rows)
    }
}
