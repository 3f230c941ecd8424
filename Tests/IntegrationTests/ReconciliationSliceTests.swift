import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Reconciliation
import Testing

/// The merge runs per slice while the engine decides the next one, and a slice seen for the first time is
/// COPYed straight into `core`: slices of two lines must decide exactly what one slice of everything does, and a
/// rerun in small slices (every slice staged then) must change nothing.
@Suite("reconciliation in slices")
struct ReconciliationSliceTests {
    static func reconcile(_ warehouse: Warehouse, sliceSize: Int) async throws -> ReconciliationSummary {
        let (rules, sha256) = try ReconciliationRulesLoader.load(path: ReconciliationTests.rules)
        var store = ReconciliationStore(warehouse: warehouse)
        store.sliceSize = sliceSize
        return try await store.reconcile(from: nil, to: nil, rulesSHA256: sha256, payables: rules.matchPayables,
                                         rateSettings: rules.exchangeRates) { side, invoices, rates in
            PaymentMatcher(rules: rules, invoices: invoices, side: side, rates: rates)
        }
    }

    /// Every line's outcome and rule, its live allocations and its advance, as text.
    static func decisions(_ warehouse: Warehouse) async throws -> [String] {
        try await ReconciliationTests.outcomes(warehouse).map { reference, decided in
            let (outcome, rule, allocations, advance) = decided
            let paid = allocations.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.0)/\($0.value.1)" }
            return "\(reference): \(outcome) \(rule ?? "-") [\(paid.joined(separator: ", "))] \(advance ?? "-")"
        }.sorted()
    }

    static func rows(_ warehouse: Warehouse) async throws -> [String] {
        try await warehouse.client.query("""
            SELECT 'a ' || a.id || ' ' || a.bank_transaction_id || ' ' || a.invoice_id || ' ' || a.amount || ' '
                   || a.status || ' ' || a.updated_at || ' ' || a.reconciliation_run_id FROM core.payment_allocations a
            UNION ALL
            SELECT 'v ' || v.id || ' ' || v.status || ' ' || v.amount || ' ' || v.updated_at FROM core.customer_advances v
            UNION ALL
            SELECT 'r ' || r.bank_transaction_id || ' ' || r.outcome || ' ' || r.updated_at || ' ' || r.explanation
            FROM core.payment_reconciliation r
            ORDER BY 1
            """, logger: TestDatabase.logger).collect().map { try $0.decode(String.self) }
    }

    @Test("slices of two lines decide what one slice decides; a rerun in slices, all staged, changes nothing")
    func slicesDecideAlike() async throws {
        var whole: [String] = []
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await ReconciliationTests.prepare(warehouse, statement: .mt940)
            let summary = try await Self.reconcile(warehouse, sliceSize: 1_000_000)
            #expect(summary.payments > 4, "the sample should need several slices of two")
            whole = try await Self.decisions(warehouse)
        }
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await ReconciliationTests.prepare(warehouse, statement: .mt940)
            _ = try await Self.reconcile(warehouse, sliceSize: 2)
            #expect(try await Self.decisions(warehouse) == whole)
            let first = try await Self.rows(warehouse)
            #expect(!first.isEmpty)
            _ = try await Self.reconcile(warehouse, sliceSize: 2)
            #expect(try await Self.rows(warehouse) == first, "a rerun in slices changed rows")
            #expect(try await Self.decisions(warehouse) == whole)
        }
    }
}
