import Foundation
import HubCore
import Logging
import PostgresNIO

/// A sheet of a report, format-neutral: the writer (XLSX or CSV) decides how cells look.
package struct ReportSheet: Sendable {
    package enum Kind: Sendable {
        case text, amount, date, integer
    }

    package struct Column: Sendable {
        package var title: String
        package var kind: Kind
        package var width: Double

        package init(_ title: String, _ kind: Kind = .text, width: Double = 14) {
            self.title = title
            self.kind = kind
            self.width = width
        }
    }

    package var name: String
    package var columns: [Column]
    package var rows: [[String?]]
    /// A bold last row (totals), when the sheet has one.
    package var totals: [String?]?
}

/// The accountants' reconciliation report for a booking period (`crmhub report reconciliation`): Summary,
/// Matched, To review (with a Decision column read back by `crmhub reconcile import`), Unmatched payments,
/// Unpaid invoices, Advances.
///
/// Totals tie out per currency: statement credits = matched + to review + unmatched + bank and own lines
/// (fees, interest, returns), each incoming line split as: what decided rows (auto, confirmed) cover, then what
/// proposals cover, then the rest. `tiesOut` also checks that no line is allocated beyond its amount.
package struct ReconciliationReport: Sendable {
    package struct Totals: Sendable {
        package var currency: String
        package var lines: Int
        package var credits: Decimal
        package var matched: Decimal
        package var toReview: Decimal
        package var unmatched: Decimal
        package var bankAndOwn: Decimal
        /// Σ of the Matched sheet's amounts for this currency: equals `matched` when nothing is over-allocated.
        package var matchedRows: Decimal

        package var tiesOut: Bool {
            credits == matched + toReview + unmatched + bankAndOwn && matchedRows == matched
        }
    }

    package var from: CalendarDate
    package var to: CalendarDate
    package var totals: [Totals]
    package var sheets: [ReportSheet]

    package static let reviewSheetName = "To review"
    package static let decisionColumn = "Decision"

    package static func read(_ warehouse: Warehouse, from: CalendarDate, to: CalendarDate) async throws
        -> ReconciliationReport
    {
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            let totals = try await Self.totals(from: from, to: to, connection: connection, logger: logger)
            var sheets: [ReportSheet] = []
            sheets.append(summary(totals, from: from, to: to))
            sheets.append(try await sheet(
                "Matched",
                [.init("Payment date", .date, width: 12), .init("Bank line", .integer, width: 10),
                 .init("Bank reference", width: 18), .init("Payer", width: 28), .init("INN/PINFL", width: 16),
                 .init("Payment amount", .amount, width: 16), .init("Invoice", width: 16),
                 .init("Invoice date", .date, width: 12), .init("Amount", .amount, width: 16),
                 .init("Written off", .amount, width: 12), .init("Rule", width: 7), .init("Confidence", width: 10),
                 .init("Status", width: 10), .init("Decided by", width: 14), .init("Explanation", width: 70)],
                sql: """
                SELECT t.booked_on::text, t.id::text, coalesce(t.bank_reference, t.doc_number), t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, i.number, i.issued_on::text,
                       -- In the line's currency, so that the sheet ties to the statement (mart.exchange_differences
                       -- has the invoice's side of a payment in another currency).
                       coalesce(a.paid_amount, a.amount)::text, a.written_off::text, a.rule, a.confidence::text,
                       a.status, a.decided_by,
                       a.explanation
                FROM core.payment_allocations a
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                JOIN core.invoices i ON i.id = a.invoice_id
                WHERE a.status IN ('auto', 'confirmed') AND t.direction = 'in' AND a.amount > 0
                  AND a.advance_id IS NULL AND t.booked_on BETWEEN $1::date AND $2::date
                UNION ALL
                SELECT t.booked_on::text, t.id::text, coalesce(t.bank_reference, t.doc_number), t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, 'advance', NULL,
                       v.amount::text, '0', v.rule, v.confidence::text, v.status, v.decided_by, v.explanation
                FROM core.customer_advances v
                JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                WHERE v.status IN ('auto', 'confirmed') AND t.booked_on BETWEEN $1::date AND $2::date
                ORDER BY 1, 2, 7
                """, from: from, to: to, totalColumn: 8, connection: connection, logger: logger))
            sheets.append(try await sheet(
                reviewSheetName,
                [.init("Kind", width: 10), .init("Id", .integer, width: 8), .init("Payment date", .date, width: 12),
                 .init("Bank line", .integer, width: 10), .init("Payer", width: 28), .init("INN/PINFL", width: 16),
                 .init("Payment amount", .amount, width: 16), .init("Purpose", width: 50), .init("Invoice", width: 16),
                 .init("Invoice amount", .amount, width: 16), .init("Outstanding", .amount, width: 16),
                 .init("Proposed amount", .amount, width: 16), .init("Rule", width: 7),
                 .init("Confidence", width: 10), .init("Explanation", width: 70),
                 .init(decisionColumn, width: 12)],
                sql: """
                SELECT 'allocation', a.id::text, t.booked_on::text, t.id::text, t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, t.purpose, i.number,
                       i.amount::text, s.outstanding::text, a.amount::text, a.rule, a.confidence::text, a.explanation,
                       NULL
                FROM core.payment_allocations a
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                JOIN core.invoices i ON i.id = a.invoice_id
                LEFT JOIN mart.invoice_status s ON s.invoice_id = i.id
                WHERE a.status = 'suggested'
                  -- An advance's offset belongs to the period of the invoice it pays.
                  AND CASE WHEN a.advance_id IS NULL THEN t.booked_on ELSE i.issued_on END BETWEEN $1::date AND $2::date
                UNION ALL
                SELECT 'advance', v.id::text, t.booked_on::text, t.id::text, t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, t.purpose,
                       coalesce('contract ' || v.contract, 'advance'), NULL, NULL, v.amount::text, v.rule,
                       v.confidence::text, v.explanation, NULL
                FROM core.customer_advances v
                JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                WHERE v.status = 'suggested' AND t.booked_on BETWEEN $1::date AND $2::date
                -- The payables side: our payments proposed against suppliers' invoices (Payer is then the payee).
                UNION ALL
                SELECT 'supplier allocation', a.id::text, t.booked_on::text, t.id::text, t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, t.purpose,
                       coalesce(i.supplier_number, i.number), i.amount::text, s.outstanding::text, a.amount::text,
                       a.rule, a.confidence::text, a.explanation, NULL
                FROM core.supplier_payment_allocations a
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                JOIN core.supplier_invoices i ON i.id = a.invoice_id
                LEFT JOIN mart.supplier_invoice_status s ON s.supplier_invoice_id = i.id
                WHERE a.status = 'suggested'
                  AND CASE WHEN a.advance_id IS NULL THEN t.booked_on ELSE i.issued_on END BETWEEN $1::date AND $2::date
                UNION ALL
                SELECT 'supplier advance', v.id::text, t.booked_on::text, t.id::text, t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, t.purpose,
                       coalesce('contract ' || v.contract, 'advance'), NULL, NULL, v.amount::text, v.rule,
                       v.confidence::text, v.explanation, NULL
                FROM core.supplier_advances v
                JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                WHERE v.status = 'suggested' AND t.booked_on BETWEEN $1::date AND $2::date
                ORDER BY 3, 4, 1, 2
                """, from: from, to: to, totalColumn: nil, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Unmatched payments",
                [.init("Payment date", .date, width: 12), .init("Bank line", .integer, width: 10),
                 .init("Bank reference", width: 18), .init("Payer", width: 28), .init("INN/PINFL", width: 16),
                 .init("Amount", .amount, width: 16), .init("Not allocated", .amount, width: 16),
                 .init("Purpose", width: 60), .init("Why", width: 80)],
                sql: """
                SELECT booked_on::text, id::text, reference, payer, tax_id, amount::text, unmatched::text, purpose,
                       coalesce(why, 'not reconciled yet: run crmhub reconcile')
                FROM (\(Self.splitSQL)) s
                WHERE unmatched > 0
                ORDER BY booked_on, id
                """, from: from, to: to, totalColumn: 6, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Unpaid invoices",
                [.init("Invoice", width: 16), .init("Invoice date", .date, width: 12), .init("Due", .date, width: 12),
                 .init("Client", width: 28), .init("INN/PINFL", width: 16), .init("Currency", width: 8),
                 .init("Amount", .amount, width: 16), .init("Paid", .amount, width: 16),
                 .init("Outstanding", .amount, width: 16), .init("Status", width: 10),
                 .init("Days overdue", .integer, width: 12)],
                sql: """
                SELECT invoice_number, issued_on::text, due_on::text, counterparty_name, counterparty_inn, currency,
                       amount::text, paid::text, outstanding::text, status,
                       greatest($2::date - coalesce(due_on, issued_on), 0)::text
                FROM mart.invoice_status
                WHERE outstanding > 0 AND issued_on <= $2::date AND $1::date IS NOT NULL
                ORDER BY coalesce(due_on, issued_on), invoice_number
                """, from: from, to: to, totalColumn: 8, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Advances",
                [.init("Id", .integer, width: 8), .init("Payment date", .date, width: 12),
                 .init("Bank line", .integer, width: 10), .init("Payer", width: 28), .init("INN/PINFL", width: 16),
                 .init("Contract", width: 12), .init("Amount", .amount, width: 16), .init("Status", width: 10),
                 .init("Used", .amount, width: 16), .init("Offset proposed", .amount, width: 16),
                 .init("Left", .amount, width: 16), .init("Invoices paid", width: 30),
                 .init("Rule", width: 7), .init("Explanation", width: 70)],
                // Every advance of the period, and every older one still open or used in the period: what it
                // paid and what is left.
                sql: """
                SELECT v.id::text, t.booked_on::text, t.id::text, t.counterparty_name, v.counterparty_inn, v.contract,
                       v.amount::text, v.status, coalesce(b.used, 0)::text, coalesce(b.proposed, 0)::text,
                       coalesce(b.remaining, v.amount)::text, b.invoices_paid, v.rule, v.explanation
                FROM core.customer_advances v
                JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                LEFT JOIN mart.customer_advance_balances b ON b.advance_id = v.id
                WHERE v.status <> 'rejected' AND t.booked_on <= $2::date
                  AND (t.booked_on >= $1::date OR b.remaining > 0
                       OR EXISTS (SELECT 1 FROM core.payment_allocations a JOIN core.invoices i ON i.id = a.invoice_id
                                  WHERE a.advance_id = v.id AND i.issued_on BETWEEN $1::date AND $2::date))
                ORDER BY t.booked_on, v.id
                """, from: from, to: to, totalColumn: 6, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Exchange differences",
                [.init("Ledger", width: 11), .init("Payment date", .date, width: 12),
                 .init("Bank line", .integer, width: 10), .init("Counterparty", width: 28),
                 .init("INN/PINFL", width: 16), .init("Paid", .amount, width: 16), .init("Paid in", width: 8),
                 .init("Invoice", width: 16), .init("Invoice date", .date, width: 12),
                 .init("Invoice amount", .amount, width: 16), .init("Invoice in", width: 10),
                 .init("Rate", width: 12), .init("Rate from", width: 12), .init("Status", width: 10),
                 .init("Exchange difference", .amount, width: 18)],
                // Payments in another currency than their invoices: both sides, the rate, and the difference in the
                // base currency, which is never inside an allocation's amount.
                sql: """
                SELECT ledger, booked_on::text, bank_transaction_id::text, counterparty_name, counterparty_inn,
                       paid_amount::text, paid_currency, invoice_number, issued_on::text, invoice_amount::text,
                       invoice_currency, round(exchange_rate, 4)::text, rate_source, status,
                       exchange_difference::text
                FROM mart.exchange_differences
                WHERE booked_on BETWEEN $1::date AND $2::date
                ORDER BY booked_on, bank_transaction_id, invoice_number
                """, from: from, to: to, totalColumn: 14, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Supplier payments",
                [.init("Payment date", .date, width: 12), .init("Bank line", .integer, width: 10),
                 .init("Bank reference", width: 18), .init("Supplier", width: 28), .init("INN/PINFL", width: 16),
                 .init("Payment amount", .amount, width: 16), .init("Supplier's invoice", width: 18),
                 .init("Our receipt", width: 14), .init("Invoice date", .date, width: 12),
                 .init("Amount", .amount, width: 16), .init("Rule", width: 7), .init("Status", width: 10),
                 .init("Decided by", width: 14), .init("Explanation", width: 70)],
                // Our payments that paid suppliers' invoices (decided), a return's taking back included, and what
                // we paid in advance.
                sql: """
                SELECT t.booked_on::text, t.id::text, coalesce(t.bank_reference, t.doc_number), t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, i.supplier_number, i.number,
                       i.issued_on::text, a.amount::text, a.rule, a.status, a.decided_by, a.explanation
                FROM core.supplier_payment_allocations a
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                JOIN core.supplier_invoices i ON i.id = a.invoice_id
                WHERE a.status IN ('auto', 'confirmed') AND t.booked_on BETWEEN $1::date AND $2::date
                UNION ALL
                SELECT t.booked_on::text, t.id::text, coalesce(t.bank_reference, t.doc_number), t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, 'advance', NULL, NULL,
                       v.amount::text, v.rule, v.status, v.decided_by, v.explanation
                FROM core.supplier_advances v
                JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                WHERE v.status IN ('auto', 'confirmed') AND t.booked_on BETWEEN $1::date AND $2::date
                ORDER BY 1, 2, 7
                """, from: from, to: to, totalColumn: 9, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Unmatched supplier payments",
                [.init("Payment date", .date, width: 12), .init("Bank line", .integer, width: 10),
                 .init("Bank reference", width: 18), .init("Payee", width: 28), .init("INN/PINFL", width: 16),
                 .init("Amount", .amount, width: 16), .init("Purpose", width: 60), .init("Why", width: 80)],
                // Our payments the payables pass could tie to no supplier invoice and keep as no advance.
                sql: """
                SELECT t.booked_on::text, t.id::text, coalesce(t.bank_reference, t.doc_number), t.counterparty_name,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl), t.amount::text, t.purpose, r.explanation
                FROM core.payment_reconciliation r
                JOIN core.bank_transactions t ON t.id = r.bank_transaction_id
                WHERE r.ledger = 'payables' AND r.outcome = 'unmatched' AND t.booked_on BETWEEN $1::date AND $2::date
                ORDER BY t.booked_on, t.id
                """, from: from, to: to, totalColumn: 5, connection: connection, logger: logger))
            sheets.append(try await sheet(
                "Unpaid supplier invoices",
                [.init("Supplier's invoice", width: 18), .init("Our receipt", width: 14),
                 .init("Invoice date", .date, width: 12), .init("Due", .date, width: 12),
                 .init("Supplier", width: 28), .init("INN/PINFL", width: 16), .init("Currency", width: 8),
                 .init("Amount", .amount, width: 16), .init("Paid", .amount, width: 16),
                 .init("Outstanding", .amount, width: 16), .init("Status", width: 10),
                 .init("Days overdue", .integer, width: 12)],
                sql: """
                SELECT supplier_number, number, issued_on::text, due_on::text, counterparty_name, counterparty_inn,
                       currency, amount::text, paid::text, outstanding::text, status,
                       greatest($2::date - coalesce(due_on, issued_on), 0)::text
                FROM mart.supplier_invoice_status
                WHERE outstanding > 0 AND issued_on <= $2::date AND $1::date IS NOT NULL
                ORDER BY coalesce(due_on, issued_on), number
                """, from: from, to: to, totalColumn: 9, connection: connection, logger: logger))
            return ReconciliationReport(from: from, to: to, totals: totals, sheets: sheets)
        }
    }

    /// Each incoming booked line of the period split into matched, proposed, bank/own and unmatched parts.
    static let splitSQL = """
        SELECT l.*, least(l.proposed, l.amount - l.matched - l.bank_part) AS to_review,
               l.amount - l.matched - l.bank_part - least(l.proposed, l.amount - l.matched - l.bank_part) AS unmatched
        FROM (
            SELECT m.*, CASE WHEN m.outcome IN ('bank', 'own_payment') AND m.matched = 0 THEN m.amount ELSE 0 END
                        AS bank_part
            FROM (
                SELECT t.id, t.booked_on, t.currency, t.amount, t.purpose, t.counterparty_name AS payer,
                       coalesce(t.counterparty_inn, t.counterparty_pinfl) AS tax_id,
                       coalesce(t.bank_reference, t.doc_number) AS reference, r.outcome, r.explanation AS why,
                       least(t.amount,
                             coalesce((SELECT sum(coalesce(a.paid_amount, a.amount)) FROM core.payment_allocations a WHERE a.bank_transaction_id = t.id
                                         AND a.status IN ('auto', 'confirmed') AND a.amount > 0
                                         AND a.advance_id IS NULL), 0)
                             + coalesce((SELECT sum(v.amount) FROM core.customer_advances v WHERE v.bank_transaction_id = t.id
                                           AND v.status IN ('auto', 'confirmed')), 0)) AS matched,
                       -- Proposals may overlap (a tie proposes every candidate): the split caps them at the line.
                       coalesce((SELECT sum(coalesce(a.paid_amount, a.amount)) FROM core.payment_allocations a
                                 WHERE a.bank_transaction_id = t.id AND a.status = 'suggested' AND a.amount > 0
                                   AND a.advance_id IS NULL), 0)
                       + coalesce((SELECT sum(v.amount) FROM core.customer_advances v WHERE v.bank_transaction_id = t.id
                                     AND v.status = 'suggested'), 0) AS proposed
                FROM core.bank_transactions t
                LEFT JOIN core.payment_reconciliation r ON r.bank_transaction_id = t.id
                WHERE t.direction = 'in' AND t.booked_on BETWEEN $1::date AND $2::date
            ) m
        ) l
        """

    static func totals(from: CalendarDate, to: CalendarDate, connection: PostgresConnection,
                       logger: Logger) async throws -> [Totals] {
        var bindings = PostgresBindings()
        bindings.append(from.iso)
        bindings.append(to.iso)
        let query = PostgresQuery(unsafeSQL: """
            WITH split AS (\(splitSQL)),
            by_currency AS (
                SELECT coalesce(currency, '?') AS currency, count(*)::bigint AS lines, sum(amount) AS credits,
                       sum(matched) AS matched, sum(to_review) AS to_review, sum(unmatched) AS unmatched,
                       sum(bank_part) AS bank_part
                FROM split GROUP BY 1
            ),
            matched_rows AS (
                SELECT currency, sum(amount) AS amount FROM (
                    SELECT coalesce(t.currency, '?') AS currency, coalesce(a.paid_amount, a.amount) AS amount
                    FROM core.payment_allocations a
                    JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                    WHERE a.status IN ('auto', 'confirmed') AND a.amount > 0 AND t.direction = 'in'
                      AND a.advance_id IS NULL AND t.booked_on BETWEEN $1::date AND $2::date
                    UNION ALL
                    SELECT coalesce(t.currency, '?'), v.amount FROM core.customer_advances v
                    JOIN core.bank_transactions t ON t.id = v.bank_transaction_id
                    WHERE v.status IN ('auto', 'confirmed') AND t.booked_on BETWEEN $1::date AND $2::date
                ) x GROUP BY currency
            )
            SELECT g.currency, g.lines, g.credits::text, g.matched::text, g.to_review::text, g.unmatched::text,
                   g.bank_part::text, coalesce(r.amount, 0)::text
            FROM by_currency g LEFT JOIN matched_rows r USING (currency)
            ORDER BY 1
            """, binds: bindings)
        var totals: [Totals] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (currency, lines, credits, matched, review, unmatched, bank, rows) =
                try row.decode((String, Int64, String, String, String, String, String, String).self)
            totals.append(Totals(
                currency: currency, lines: Int(lines), credits: Decimal(string: credits) ?? 0,
                matched: Decimal(string: matched) ?? 0, toReview: Decimal(string: review) ?? 0,
                unmatched: Decimal(string: unmatched) ?? 0, bankAndOwn: Decimal(string: bank) ?? 0,
                matchedRows: Decimal(string: rows) ?? 0))
        }
        return totals
    }

    static func summary(_ totals: [Totals], from: CalendarDate, to: CalendarDate) -> ReportSheet {
        var rows: [[String?]] = [["Period", nil, "\(from.iso) … \(to.iso)"]]
        for total in totals {
            rows.append(["Incoming bank lines", total.currency, "\(total.lines)"])
            rows.append(["Statement credits", total.currency, total.credits.amountText])
            rows.append(["Matched (auto and confirmed)", total.currency, total.matched.amountText])
            rows.append(["To review (proposed)", total.currency, total.toReview.amountText])
            rows.append(["Unmatched", total.currency, total.unmatched.amountText])
            rows.append(["Bank's own lines and returns", total.currency, total.bankAndOwn.amountText])
            rows.append(["Ties out (credits = matched + to review + unmatched + bank)", total.currency,
                         total.tiesOut ? "yes" : "NO"])
        }
        return ReportSheet(name: "Summary", columns: [.init("Item", width: 60), .init("Currency", width: 10),
                                                      .init("Value", width: 24)],
                           rows: rows, totals: nil)
    }

    /// Runs a sheet's query ($1 = from, $2 = to); `totalColumn` (0-based) gets a totals row.
    static func sheet(_ name: String, _ columns: [ReportSheet.Column], sql: String, from: CalendarDate,
                      to: CalendarDate, totalColumn: Int?, connection: PostgresConnection,
                      logger: Logger) async throws -> ReportSheet {
        var bindings = PostgresBindings()
        bindings.append(from.iso)
        bindings.append(to.iso)
        var rows: [[String?]] = []
        var total = Decimal(0)
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            let cells = row.makeRandomAccess()
            var values: [String?] = []
            for index in 0..<columns.count { values.append(try cells[index].decode(String?.self)) }
            if let totalColumn, let text = values[totalColumn], let value = Decimal(string: text) { total += value }
            rows.append(values)
        }
        var totals: [String?]?
        if let totalColumn {
            var line = [String?](repeating: nil, count: columns.count)
            line[0] = "Total (\(rows.count))"
            line[totalColumn] = total.amountText
            totals = line
        }
        return ReportSheet(name: name, columns: columns, rows: rows, totals: totals)
    }
}
