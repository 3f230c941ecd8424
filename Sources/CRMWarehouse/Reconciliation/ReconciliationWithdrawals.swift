import Foundation
import HubCore
import Logging
import PostgresNIO

/// What settling a pass's withdrawals did, over the pass's rounds.
struct Settlement: Sendable {
    /// How many of the decider's invoices were paid in full when the last round looked: a round with no invoice
    /// newly paid has nothing to withdraw.
    var paidInFull = -1
    var rounds = 0
    var redecided = 0
    /// Rules whose lines were decided again: taken back from the decider's counts (it counts every decision).
    var ruleCorrections: [String: Int] = [:]
    /// The lines the pass proposed for review, which a withdrawal may send back to the engine.
    var proposed = ProposedLines()
    var times = ReconciliationStore.MergeTimes()
}

extension ReconciliationStore {
    /// A settle stops after this many rounds: each one needs an invoice newly paid in full, so they are few.
    static let maxSettleRounds = 8

    /// Lines are decided in booking order, so a line may be proposed an invoice that a later line then pays
    /// automatically. Such proposals are withdrawn whole (the other invoices of the line's sum, and its surplus
    /// advance, go with them), and the line is decided again against what the run left open, as a rerun would
    /// decide it. A line decided again may itself pay an invoice another line was proposed, so this repeats until
    /// no invoice is newly paid: a rerun then finds nothing to change (decision D15).
    ///
    /// A withdrawn line the run did not look at (outside its period) is left unmatched, saying why.
    static func settleWithdrawals<Decider: PaymentDecider>(
        _ ledger: ReconciliationLedger, runID: Int64, decider: inout Decider, counts: inout ReconciliationPassCounts,
        settlement: inout Settlement, clientIDs: [String: Int64], sliceSize: Int, connection: LoadConnection,
        logger: Logger
    ) async throws {
        settlement.times.restart()
        for _ in 0..<maxSettleRounds {
            let paid = decider.paidInFull
            guard paid.count != settlement.paidInFull else { return }
            settlement.paidInFull = paid.count
            settlement.rounds += 1
            try await connection.query("TRUNCATE recon_paid_in_full, recon_withdrawn", logger: logger)
            var rows = CopyTextEncoder(capacity: 1 << 16)
            for id in paid {
                rows.field(String(id))
                rows.endRow()
            }
            try await copy(&rows, into: "recon_paid_in_full", connection: connection, logger: logger)
            try await connection.query("ANALYZE recon_paid_in_full", logger: logger)
            settlement.times.step("paid invoices listed")
            try await withdraw(ledger, connection: connection, logger: logger)
            settlement.times.step("proposals on paid invoices withdrawn")
            let leftOver = try await redecide(ledger, runID: runID, decider: &decider, counts: &counts,
                                              settlement: &settlement, clientIDs: clientIDs, sliceSize: sliceSize,
                                              connection: connection, logger: logger)
            guard leftOver else { continue }
            try await connection.query("""
                UPDATE core.payment_reconciliation r
                SET outcome = 'unmatched', rule = NULL, confidence = NULL, updated_at = now(),
                    explanation = r.explanation || ': withdrawn, the invoice proposed was paid by a later line'
                FROM recon_withdrawn w
                WHERE r.bank_transaction_id = w.bank_transaction_id AND r.outcome = 'review'
                  AND NOT EXISTS (SELECT 1 FROM \(ledger: ledger.allocations) a
                                  WHERE a.bank_transaction_id = w.bank_transaction_id AND a.status = 'suggested')
                  AND NOT EXISTS (SELECT 1 FROM \(ledger: ledger.advances) v
                                  WHERE v.bank_transaction_id = w.bank_transaction_id AND v.status = 'suggested')
                """, logger: logger)
            settlement.times.step("withdrawn lines not looked at unmatched")
        }
        guard decider.paidInFull.count != settlement.paidInFull else { return }
        logger.warning("reconcile: withdrawals still changing after the last round", metadata: [
            "ledger": "\(ledger.side.rawValue)", "rounds": "\(maxSettleRounds)",
        ])
    }

    /// The proposals on invoices paid in full (`recon_paid_in_full`) are deleted, and with them the rest of each
    /// such line's proposal; the lines are listed in `recon_withdrawn`.
    static func withdraw(_ ledger: ReconciliationLedger, connection: LoadConnection, logger: Logger) async throws {
        try await connection.query("""
            WITH removed AS (
                DELETE FROM \(ledger: ledger.allocations) a USING recon_paid_in_full s
                WHERE a.invoice_id = s.invoice_id AND a.status = 'suggested'
                RETURNING a.bank_transaction_id, a.advance_id IS NULL AS own
            )
            INSERT INTO recon_withdrawn SELECT bank_transaction_id, bool_or(own) FROM removed GROUP BY bank_transaction_id
            """, logger: logger)
        try await connection.query("ANALYZE recon_withdrawn", logger: logger)
        // A line's proposal is one whole: several invoices adding up to the amount (R4, R8), or an invoice and the
        // surplus kept as an advance (R6). With one of its invoices paid it no longer holds. Suggested advances
        // are never offset (only kept ones are), so no offset points at one.
        try await connection.query("""
            DELETE FROM \(ledger: ledger.allocations) a USING recon_withdrawn w
            WHERE w.own AND a.bank_transaction_id = w.bank_transaction_id AND a.status = 'suggested'
              AND a.advance_id IS NULL
            """, logger: logger)
        try await connection.query("""
            DELETE FROM \(ledger: ledger.advances) v USING recon_withdrawn w
            WHERE w.own AND v.bank_transaction_id = w.bank_transaction_id AND v.status = 'suggested'
            """, logger: logger)
    }

    /// The withdrawn lines the run proposed for review (`ProposedLines`), decided again in booking order,
    /// `sliceSize` at a time, and merged. True when some withdrawn line was not decided again (a line the run did
    /// not look at, or one that only had an advance's offset withdrawn).
    static func redecide<Decider: PaymentDecider>(
        _ ledger: ReconciliationLedger, runID: Int64, decider: inout Decider, counts: inout ReconciliationPassCounts,
        settlement: inout Settlement, clientIDs: [String: Int64], sliceSize: Int, connection: LoadConnection,
        logger: Logger
    ) async throws -> Bool {
        var lines: [(seq: Int64, rule: String?)] = []
        var leftOver = false
        for try await (id, own) in try await connection.query(
            "SELECT bank_transaction_id, own FROM recon_withdrawn", logger: logger
        ).decode((Int64, Bool).self) {
            if own, let line = settlement.proposed.line(id) { lines.append(line) } else { leftOver = true }
        }
        lines.sort { $0.seq < $1.seq }
        settlement.times.step("withdrawn lines listed")
        for chunk in stride(from: 0, to: lines.count, by: sliceSize) {
            let part = lines[chunk..<min(chunk + sliceSize, lines.count)]
            // Decoded as they stream (nothing else waits for the connection here): collected, the rows were the
            // phase's peak memory.
            let rows = try await connection.query("""
                SELECT \(unescaped: lineColumns) FROM recon_payments WHERE seq = ANY(\(part.map(\.seq))) ORDER BY seq
                """, logger: logger)
            var allocations = CopyTextEncoder(), advances = CopyTextEncoder(), outcomes = CopyTextEncoder()
            var index = part.startIndex
            for try await row in rows {
                let ((seq, payment, resolved), _) = try line(from: row.makeRandomAccess(), ledger: ledger)
                guard index < part.endIndex, seq == part[index].seq else {
                    throw HubError(.database, "reconcile: a withdrawn line was read back out of order (seq \(seq))")
                }
                let old = part[index]
                index += 1
                counts.tally("review", by: -1)
                settlement.ruleCorrections[old.rule ?? "none", default: 0] -= 1
                let decision = decider.decide(payment)
                counts.tally(decision.outcome)
                settlement.proposed.redecided(payment.id, decision)
                encode(decision, payment: payment, resolved: resolved, ledger: ledger, runID: runID,
                       clientIDs: clientIDs, allocations: &allocations, advances: &advances, outcomes: &outcomes)
            }
            guard index == part.endIndex else {
                throw HubError(.database, "reconcile: \(part.count) withdrawn lines to decide again, "
                               + "\(index - part.startIndex) read back")
            }
            settlement.redecided += part.count
            settlement.times.step("withdrawn lines read and decided")
            // The lines' own proposals and advances were all withdrawn: nothing of theirs is stale.
            try await copy(&allocations, into: "recon_allocations", connection: connection, logger: logger)
            try await copy(&advances, into: "recon_advances", connection: connection, logger: logger)
            try await copy(&outcomes, into: "recon_outcomes", connection: connection, logger: logger)
            settlement.times.step("slice staged")
            try await mergeStaged(ledger, runID: runID, times: &settlement.times, connection: connection,
                                  logger: logger)
        }
        return leftOver
    }
}
