import Foundation
import HubCore
import Logging
import PostgresNIO

/// The accountant's decisions: confirm or reject a proposal, or allocate by hand. Every decision is recorded in
/// `ops.reconciliation_decisions`; a confirmed or rejected row is never changed by a later `crmhub reconcile`.
///
/// Money is checked as it is decided: a confirmation or allocation that would pay an invoice more than it owes,
/// or spend more of a payment than it brought, is refused with the figures.
package struct ReconciliationDecisions: Sendable {
    /// What a decision is about: an allocation (payment ↔ invoice) or a customer advance, and their mirrors on
    /// the payables side (our payment ↔ a supplier's invoice, an advance to a supplier).
    package enum Target: Sendable, Equatable {
        case allocation(Int64)
        case advance(Int64)
        case supplierAllocation(Int64)
        case supplierAdvance(Int64)

        /// The ledger, and whether it is an advance, and the row's id.
        var parts: (ledger: ReconciliationLedger, isAdvance: Bool, id: Int64) {
            switch self {
            case .allocation(let id): (.receivables, false, id)
            case .advance(let id): (.receivables, true, id)
            case .supplierAllocation(let id): (.payables, false, id)
            case .supplierAdvance(let id): (.payables, true, id)
            }
        }
    }

    package enum Action: String, Sendable {
        case confirm
        case reject
    }

    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// Applies decisions in one transaction: all of them or, when one is refused, none.
    /// - Returns: how many rows changed (a decision already taken the same way changes nothing).
    package func decide(_ decisions: [(Target, Action)], by person: String, source: String) async throws -> Int {
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('crmhub:reconcile', 0))",
                                           logger: logger)
                var changed = 0
                var confirmedPayments: Set<PaymentInLedger> = []
                // Rejections first, and the other proposals of a payment a confirmation spends are withdrawn only
                // after every decision of the batch: a reviewed sheet that confirms one of two tied invoices and
                // rejects the other records both, whatever the order of its rows.
                let ordered = decisions.filter { $0.1 == .reject } + decisions.filter { $0.1 == .confirm }
                for (target, action) in ordered {
                    let (count, payment) = try await Self.apply(target, action, by: person, source: source,
                                                                connection: connection, logger: logger)
                    changed += count
                    if action == .confirm, count > 0, let payment {
                        confirmedPayments.insert(PaymentInLedger(id: payment, ledger: target.parts.ledger))
                    }
                }
                let spent = confirmedPayments.sorted {
                    ($0.ledger.side.rawValue, $0.id) < ($1.ledger.side.rawValue, $1.id)
                }
                for payment in spent {
                    try await Self.dropSpentProposals(of: payment.id, ledger: payment.ledger, connection: connection,
                                                      logger: logger)
                }
                return changed
            }
        }
    }

    /// Applies one decision: how many rows changed (0 or 1) and the bank line it concerns.
    private static func apply(_ target: Target, _ action: Action, by person: String, source: String,
                              connection: PostgresConnection, logger: Logger) async throws -> (Int, Int64?) {
        let status = action == .confirm ? "confirmed" : "rejected"
        let (ledger, isAdvance, id) = target.parts
        // The audit trail's column for the row decided.
        let auditColumn = switch (ledger.side, isAdvance) {
        case (.receivables, false): "allocation_id"
        case (.receivables, true): "advance_id"
        case (.payables, false): "supplier_allocation_id"
        case (.payables, true): "supplier_advance_id"
        }
        let noun = (ledger.side == .payables ? "supplier " : "") + (isAdvance ? "advance" : "allocation")
        if !isAdvance {
            let rows = try await connection.query("""
                SELECT a.status, a.amount::text, a.bank_transaction_id, coalesce(a.paid_amount, a.amount)::text,
                       i.number,
                       (i.amount - coalesce((SELECT sum(x.amount + x.written_off) FROM \(ledger: ledger.allocations) x
                                             WHERE x.invoice_id = a.invoice_id AND x.status IN ('auto', 'confirmed')
                                               AND x.id <> a.id), 0))::text,
                       -- An advance's offset spends the advance, not the rest of its line.
                       CASE WHEN a.advance_id IS NOT NULL THEN
                           ((SELECT v.amount FROM \(ledger: ledger.advances) v WHERE v.id = a.advance_id)
                            - coalesce((SELECT sum(x.amount) FROM \(ledger: ledger.allocations) x
                                        WHERE x.advance_id = a.advance_id AND x.status IN ('auto', 'confirmed')
                                          AND x.id <> a.id), 0))::text
                       ELSE
                       (t.amount - coalesce((SELECT sum(coalesce(x.paid_amount, x.amount)) FROM \(ledger: ledger.allocations) x
                                             WHERE x.bank_transaction_id = a.bank_transaction_id
                                               AND x.advance_id IS NULL
                                               AND x.status IN ('auto', 'confirmed') AND x.id <> a.id), 0)
                                 - coalesce((SELECT sum(v.amount) FROM \(ledger: ledger.advances) v
                                             WHERE v.bank_transaction_id = a.bank_transaction_id
                                               AND v.status IN ('auto', 'confirmed')), 0))::text END
                FROM \(ledger: ledger.allocations) a
                JOIN \(ledger: ledger.invoices) i ON i.id = a.invoice_id
                JOIN core.bank_transactions t ON t.id = a.bank_transaction_id
                WHERE a.id = \(id) FOR UPDATE OF a
                """, logger: logger).collect()
            guard let row = rows.first else {
                throw HubError(.configuration, "there is no \(noun) \(id) (see the report's To review sheet)")
            }
            // `paidText`: what the allocation takes of the line, in the line's currency (the invoice's may differ).
            let (current, amountText, paymentID, paidText, number, invoiceLeftText, paymentLeftText) =
                try row.decode((String, String, Int64, String, String, String, String).self)
            if current == status { return (0, paymentID) }
            if action == .confirm, current == "rejected" {
                throw HubError(.configuration, "\(noun) \(id) (invoice №\(number)) was rejected; a rejection is not "
                               + "undone by confirming it: allocate the pair anew with `crmhub reconcile allocate`")
            }
            if action == .confirm {
                let amount = Decimal(string: amountText) ?? 0
                let invoiceLeft = Decimal(string: invoiceLeftText) ?? 0
                let paymentLeft = Decimal(string: paymentLeftText) ?? 0
                if amount > 0, amount > invoiceLeft {
                    throw HubError(.configuration, "\(noun) \(id) gives invoice №\(number) \(amountText) but only "
                                   + "\(invoiceLeftText) is still owed on it (another payment paid it meanwhile?); "
                                   + "reject it, or allocate a smaller amount with `crmhub reconcile allocate`")
                }
                if Decimal(string: paidText) ?? amount > paymentLeft {
                    throw HubError(.configuration, "\(noun) \(id) would use \(paidText) of bank line \(paymentID) "
                                   + "but only \(paymentLeftText) of it is not yet allocated")
                }
            }
            try await connection.query("""
                UPDATE \(ledger: ledger.allocations) SET status = \(status), decided_by = \(person), decided_at = now(),
                       updated_at = now()
                WHERE id = \(id)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO ops.reconciliation_decisions (\(ledger: auditColumn), action, decided_by, source)
                VALUES (\(id), \(action.rawValue), \(person), \(source))
                """, logger: logger)
            return (1, paymentID)
        } else {
            let rows = try await connection.query("""
                SELECT status, bank_transaction_id FROM \(ledger: ledger.advances) WHERE id = \(id) FOR UPDATE
                """, logger: logger).collect()
            guard let row = rows.first else { throw HubError(.configuration, "there is no \(noun) \(id)") }
            let (current, paymentID) = try row.decode((String, Int64).self)
            if current == status { return (0, paymentID) }
            if action == .confirm, current == "rejected" {
                throw HubError(.configuration, "\(noun) \(id) was rejected; a rejection is not undone by confirming it")
            }
            try await connection.query("""
                UPDATE \(ledger: ledger.advances) SET status = \(status), decided_by = \(person), decided_at = now(),
                       updated_at = now()
                WHERE id = \(id)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO ops.reconciliation_decisions (\(ledger: auditColumn), action, decided_by, source)
                VALUES (\(id), \(action.rawValue), \(person), \(source))
                """, logger: logger)
            return (1, paymentID)
        }
    }

    /// Once a payment is fully spent by decided rows, its remaining proposals (the other candidates of a tie)
    /// can no longer be right: they are withdrawn, not rejected (the accountant did not reject them).
    private static func dropSpentProposals(of paymentID: Int64, ledger: ReconciliationLedger = .receivables,
                                           connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            WITH spent AS (
                SELECT t.amount <= coalesce((SELECT sum(a.amount) FROM \(ledger: ledger.allocations) a
                                             WHERE a.bank_transaction_id = t.id AND a.status IN ('auto', 'confirmed')
                                               AND a.advance_id IS NULL), 0)
                                 + coalesce((SELECT sum(v.amount) FROM \(ledger: ledger.advances) v
                                             WHERE v.bank_transaction_id = t.id AND v.status IN ('auto', 'confirmed')), 0)
                           AS done
                FROM core.bank_transactions t WHERE t.id = \(paymentID)
            )
            DELETE FROM \(ledger: ledger.allocations) a
            -- An advance's offsets spend the advance, not the line: they stay.
            WHERE a.bank_transaction_id = \(paymentID) AND a.status = 'suggested' AND a.advance_id IS NULL
              AND (SELECT done FROM spent)
            """, logger: logger)
    }

    /// A bank line a decision concerned, with the ledger it was decided in.
    private struct PaymentInLedger: Hashable {
        var id: Int64
        var ledger: ReconciliationLedger
    }

    /// Allocates (part of) a bank line to an invoice by hand: a `confirmed` allocation with rule `manual`.
    /// `amount` defaults to what is left of both. An existing proposal for the same pair is confirmed with it.
    /// - Returns: the allocation's id, the amount allocated, and whether it replaced an earlier allocation or
    ///   proposal of the same pair.
    package func allocate(bankTransactionID: Int64, invoiceNumber: String, amount: Decimal?, by person: String,
                         source: String) async throws -> (id: Int64, amount: Decimal, replaced: Bool) {
        let logger = warehouse.logger
        return try await warehouse.client.withConnection { connection in
            try await connection.inTransaction(logger: logger) {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended('crmhub:reconcile', 0))",
                                           logger: logger)
                let invoices = try await connection.query("""
                    SELECT s.invoice_id, s.outstanding::text FROM mart.invoice_status s
                    WHERE lower(s.invoice_number) = lower(\(invoiceNumber))
                    """, logger: logger).collect()
                guard invoices.count == 1, let invoice = invoices.first else {
                    throw HubError(.configuration, invoices.isEmpty
                                   ? "no invoice numbered \(invoiceNumber)"
                                   : "\(invoices.count) invoices are numbered \(invoiceNumber): give the invoice id "
                                       + "with --invoice-id")
                }
                let (invoiceID, outstandingText) = try invoice.decode((Int64, String).self)
                let left = try await connection.query("""
                    SELECT (t.amount - coalesce((SELECT sum(a.amount) FROM core.payment_allocations a
                                                 WHERE a.bank_transaction_id = t.id AND a.status IN ('auto', 'confirmed')), 0)
                                     - coalesce((SELECT sum(v.amount) FROM core.customer_advances v
                                                 WHERE v.bank_transaction_id = t.id AND v.status IN ('auto', 'confirmed')), 0))::text,
                           t.direction, t.entry_kind
                    FROM core.bank_transactions t WHERE t.id = \(bankTransactionID)
                    """, logger: logger).collect()
                guard let leftRow = left.first else {
                    throw HubError(.configuration, "there is no bank line \(bankTransactionID)")
                }
                let (paymentLeftText, direction, entryKind) = try leftRow.decode((String, String, String).self)
                guard direction == "in", entryKind == "payment" else {
                    throw HubError(.configuration, "bank line \(bankTransactionID) is "
                                   + (direction == "in" ? "a \(entryKind)" : "outgoing")
                                   + ": only incoming payments pay invoices")
                }
                let paymentLeft = Decimal(string: paymentLeftText) ?? 0
                let outstanding = Decimal(string: outstandingText) ?? 0
                let share = amount ?? min(paymentLeft, outstanding)
                guard share > 0 else {
                    throw HubError(.configuration, "nothing to allocate: bank line \(bankTransactionID) has "
                                   + "\(paymentLeftText) left and invoice №\(invoiceNumber) \(outstandingText) owed")
                }
                guard share <= paymentLeft else {
                    throw HubError(.configuration, "bank line \(bankTransactionID) has only \(paymentLeftText) not yet allocated")
                }
                guard share <= outstanding else {
                    throw HubError(.configuration, "invoice №\(invoiceNumber) owes only \(outstandingText); keep the rest "
                                   + "as an advance")
                }
                let explanation = "allocated by \(person)"
                let id = try await connection.query("""
                    INSERT INTO core.payment_allocations AS a (bank_transaction_id, invoice_id, amount, rule, confidence,
                        status, explanation, decided_by, decided_at)
                    VALUES (\(bankTransactionID), \(invoiceID), \(share.amountText)::numeric, 'manual', 1, 'confirmed',
                            \(explanation), \(person), now())
                    ON CONFLICT (bank_transaction_id, invoice_id) WHERE status <> 'rejected' DO UPDATE
                    SET amount = EXCLUDED.amount, rule = 'manual', confidence = 1, status = 'confirmed',
                        explanation = EXCLUDED.explanation, decided_by = EXCLUDED.decided_by, decided_at = now(),
                        updated_at = now()
                    RETURNING id, xmax::text <> '0'
                    """, logger: logger).collect().first!.decode((Int64, Bool).self)
                try await connection.query("""
                    INSERT INTO ops.reconciliation_decisions (allocation_id, action, decided_by, source)
                    VALUES (\(id.0), 'allocate', \(person), \(source))
                    """, logger: logger)
                try await Self.dropSpentProposals(of: bankTransactionID, connection: connection, logger: logger)
                return (id.0, share, id.1)
            }
        }
    }
}
