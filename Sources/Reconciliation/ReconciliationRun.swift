import CRMWarehouse
import Foundation
import HubCore

/// `crmhub reconcile` and the `reconcile` job step: the rules file, the engine and the warehouse, wired.
package enum ReconciliationRun {
    /// Reconciles the bank lines booked between `from` and `to` (either open) that have no decided allocation.
    package static func run(warehouse: Warehouse, rulesPath: String, from: CalendarDate?, to: CalendarDate?,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ReconciliationSummary {
        let (rules, sha256) = try ReconciliationRulesLoader.load(path: rulesPath)
        let summary = try await ReconciliationStore(warehouse: warehouse).reconcile(
            from: from, to: to, rulesSHA256: sha256, payables: rules.matchPayables, progress: progress,
            rateSettings: rules.exchangeRates
        ) { side, invoices, rates in
            PaymentMatcher(rules: rules, invoices: invoices, side: side, rates: rates)
        }
        warehouse.logger.info("reconciled", metadata: [
            "run.id": "\(summary.runID)", "records.read": "\(summary.payments)", "matched": "\(summary.auto)",
            "suggested": "\(summary.suggested)", "unmatched": "\(summary.unmatched)",
        ])
        return summary
    }
}
