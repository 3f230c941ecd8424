import Foundation
import PostgresNIO

/// Per counterparty and currency: invoices issued, paid in 1C and shipped (from `mart.invoice_summary`), for
/// `crmhub demo` and the invoice-summary report.
package struct InvoiceSummaryReport: Sendable {
    package struct Row: Sendable {
        package var name: String
        package var inn: String?
        /// Nil for a counterparty with no documents yet.
        package var currency: String?
        package var invoices: Int
        package var invoiced: String
        package var paidIn1C: String
        package var shipped: String
    }

    package var rows: [Row]

    package static func read(_ warehouse: Warehouse, limit: Int = 20) async throws -> InvoiceSummaryReport {
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
