import HubCore
import PostgresNIO

/// Which side of the books a reconciliation pass works on: the receivables (client payments against our
/// invoices) or the payables (our payments against suppliers' invoices). The payables tables mirror the
/// receivables ones column for column (migration 0017), so one store and one engine serve both; what differs is
/// named here.
///
/// A bank line belongs to the ledger its money started in: our outgoing payments, and the returns and reversals
/// that bring them back, are payables; everything else is receivables. Until any supplier invoice is in the
/// warehouse the payables pass does not run, and every line stays with the receivables (where our outgoing
/// payments are recognised as our own orders, R2), as before the supplier side existed.
package struct ReconciliationLedger: Sendable, Hashable {
    package let side: LedgerSide
    /// Table names: constants of this file, never data, so they are spliced into the SQL unescaped.
    let invoices: String
    let allocations: String
    let advances: String
    /// The number the other side's payment orders cite: ours for our invoices, the supplier's own for theirs.
    let citedNumber: String

    package static let receivables = ReconciliationLedger(
        side: .receivables, invoices: "core.invoices", allocations: "core.payment_allocations",
        advances: "core.customer_advances", citedNumber: "i.number")
    package static let payables = ReconciliationLedger(
        side: .payables, invoices: "core.supplier_invoices", allocations: "core.supplier_payment_allocations",
        advances: "core.supplier_advances", citedNumber: "coalesce(i.supplier_number, i.number)")

    /// The lines of `t` (a `core.bank_transactions` row) this ledger decides, when `payablesActive` says whether
    /// the payables pass runs at all.
    func lineFilter(payablesActive: Bool) -> String {
        let payables = "((t.direction = 'out' AND t.entry_kind = 'payment') OR (t.direction = 'in' AND t.entry_kind <> 'payment'))"
        switch side {
        case .payables: return payables
        case .receivables: return payablesActive ? "NOT \(payables)" : "true"
        }
    }

    /// Whether a line's direction is seen the other way round by the engine: for the payables, our outgoing
    /// payment is what pays a document of the counterparty (a "credit" to the engine), and money coming back to
    /// us undoes one.
    var flipsDirection: Bool { side == .payables }
}

extension PostgresQuery.StringInterpolation {
    /// A table or expression of a `ReconciliationLedger`: a constant of that type, never data.
    mutating func appendInterpolation(ledger text: String) {
        appendInterpolation(unescaped: text)
    }
}
