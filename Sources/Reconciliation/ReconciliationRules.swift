import Foundation
import HubCore

/// The reconciliation rule set: ranked rules with conditions over the evidence a bank line offers, their
/// confidence and action, the thresholds that turn confidence into `auto` / `suggested`, and tolerances.
/// Read from `mappings/reconciliation.yaml` (docs/reconciliation.md); nothing about matching is hard-coded
/// beyond what each kind of evidence means.
package struct ReconciliationRules: Sendable, Equatable {
    /// What a rule does when it is the first whose conditions hold.
    package enum Action: String, Sendable, CaseIterable {
        /// Tie the payment to the invoices the evidence names (a surplus becomes a customer advance).
        case allocate
        /// Keep the money as a customer advance (a prepayment under a contract).
        case advance
        /// Our own payment order, or a return/reversal linked to the line it undoes; never an invoice payment.
        case linkPayment = "link_payment"
        /// The bank's own line (fee, interest): never matched to invoices.
        case bankLine = "bank_line"
        /// Leave the line unmatched, naming what the evidence points at for the accountant (R11: an amount
        /// alone is the ERPNext/Odoo false-positive pattern, so it is never even proposed).
        case explain
    }

    /// One ranked rule: it applies when every condition holds (a condition lists the values it accepts).
    package struct Rule: Sendable, Equatable {
        package var id: String
        package var description: String
        package var conditions: [String: Set<String>]
        package var confidence: Double
        package var action: Action

        package init(id: String, description: String, conditions: [String: Set<String>], confidence: Double,
                    action: Action) {
            self.id = id
            self.description = description
            self.conditions = conditions
            self.confidence = confidence
            self.action = action
        }
    }

    /// Lines the bank makes itself, recognised by transaction code (`ACMT/MDOP/CHRG`, `*/*/CHRG`, `NCHG`) or,
    /// when the line names no counterparty, by words of its text.
    package struct BankLineKind: Sendable, Equatable {
        /// `fee` or `interest`.
        package var kind: String
        package var codes: [String]
        package var purposeWords: [String]

        package init(kind: String, codes: [String], purposeWords: [String]) {
            self.kind = kind
            self.codes = codes
            self.purposeWords = purposeWords
        }
    }

    /// The evidence a rule may test, and the values each can take (docs/reconciliation.md explains each).
    package static let evidence: [String: [String]] = [
        "line": ["credit", "debit", "return", "reversal"],
        "bank_code": ["fee", "interest", "none"],
        "payer": ["known", "unknown"],
        "reference": ["structured", "structured_several", "one", "several", "contract", "other_client",
                      "other_client_named", "none"],
        "amount": ["equals_residual", "below_residual", "above_residual", "equals_one_open", "several_equal_open",
                   "oldest_first_sum", "equals_any_open", "other"],
    ]

    /// What becomes of a customer advance when the client's later invoice arrives (`advances: offset:`).
    package enum AdvanceOffset: String, Sendable, CaseIterable {
        /// Advances stay advances until the accountant allocates them.
        case off
        /// The offset is proposed for review.
        case suggest
        /// The offset is made at once.
        case auto
    }

    package var rules: [Rule]
    /// Whether our outgoing payments are matched to supplier invoices by the same rules (`payables: match:`);
    /// the pass runs only once supplier invoices are in the warehouse.
    package var matchPayables = true
    /// The base currency of the central bank's rates and how old a rate may be (`foreign_currency:`); the rates
    /// themselves come from the warehouse.
    package var exchangeRates = ExchangeRates()
    package var advanceOffset: AdvanceOffset = .suggest
    /// The confidence an offset is recorded with (rule `A1`).
    package var advanceOffsetConfidence: Double = 0.90
    /// Confidence at or above which an allocation is made without asking (`auto`).
    package var autoThreshold: Double
    /// Confidence at or above which an allocation is proposed for review (`suggested`); below it, unmatched.
    package var suggestThreshold: Double
    /// An underpayment up to this much (UZS) still pays the invoice; the difference is written off.
    package var toleranceAbsolute: Decimal
    /// … or up to this percentage of the invoice's residual, whichever is larger.
    package var tolerancePercent: Decimal
    /// An invoice issued up to this many days after the payment can still be what it pays (prepaid invoices).
    package var invoiceDateGraceDays: Int
    /// Invoices issued more than this many months before the payment are not considered.
    package var searchWindowMonths: Int
    package var bankLines: [BankLineKind]
    package var vocabulary: PurposeVocabulary

    package init(rules: [Rule], autoThreshold: Double = 0.95, suggestThreshold: Double = 0.75,
                toleranceAbsolute: Decimal = 1, tolerancePercent: Decimal = 0, invoiceDateGraceDays: Int = 5,
                searchWindowMonths: Int = 18, bankLines: [BankLineKind] = [],
                vocabulary: PurposeVocabulary = .standard) {
        self.rules = rules
        self.autoThreshold = autoThreshold
        self.suggestThreshold = suggestThreshold
        self.toleranceAbsolute = toleranceAbsolute
        self.tolerancePercent = tolerancePercent
        self.invoiceDateGraceDays = invoiceDateGraceDays
        self.searchWindowMonths = searchWindowMonths
        self.bankLines = bankLines
        self.vocabulary = vocabulary
    }

    /// Whether every condition of `rule` holds for `facts` (a key missing from the facts fails its condition).
    package static func accepts(_ rule: Rule, _ facts: [String: String]) -> Bool {
        rule.conditions.allSatisfy { key, accepted in facts[key].map(accepted.contains) ?? false }
    }

    package func status(for confidence: Double) -> MatchStatus {
        if confidence >= autoThreshold { return .auto }
        if confidence >= suggestThreshold { return .suggested }
        return .hint
    }

    /// The kind of bank-originated line (`fee`, `interest`), or nil.
    package func bankLineKind(code: String?, purpose: String?, hasCounterparty: Bool) -> String? {
        if let code {
            let segments = code.split(separator: "/", omittingEmptySubsequences: false)
            for kind in bankLines {
                for pattern in kind.codes {
                    let patternSegments = pattern.split(separator: "/", omittingEmptySubsequences: false)
                    guard patternSegments.count == segments.count else { continue }
                    if zip(patternSegments, segments).allSatisfy({ $0 == "*" || $0 == $1 }) { return kind.kind }
                }
            }
        }
        guard !hasCounterparty, let purpose = purpose?.lowercased() else { return nil }
        return bankLines.first { kind in kind.purposeWords.contains { purpose.contains($0.lowercased()) } }?.kind
    }
}
