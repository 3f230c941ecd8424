import ArgumentParser
import CRMWarehouse
import Foundation
import HubCore
import Reconciliation
import Reports
import Scheduler

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Match incoming bank payments to invoices, and record the accountant's decisions.",
        discussion: reflow("""
            `crmhub reconcile` (the same as `crmhub reconcile run`) looks at every bank line not yet decided and,
            by the rules in mappings/reconciliation.yaml, ties the sure ones to their invoices (auto), proposes
            the doubtful ones for review (suggested) with its reasons, and leaves the rest unmatched. Then review:
            `crmhub report reconciliation` writes the To review sheet; fill its Decision column and load it back
            with `crmhub reconcile import`, or decide one at a time with confirm, reject and allocate.

            Decisions last: a confirmed or rejected allocation is never changed by a later run or a statement
            imported again, and a rejected pair is never proposed again. See docs/reconciliation.md.
            """),
        subcommands: [ReconcileRunCommand.self, ReconcileConfirmCommand.self, ReconcileRejectCommand.self,
                      ReconcileAllocateCommand.self, ReconcileImportCommand.self],
        defaultSubcommand: ReconcileRunCommand.self
    )
}

/// Who decides: `--by`, else `$CRMHUB_USER`, else the login name.
struct DeciderOption: ParsableArguments {
    @Option(help: ArgumentHelp("Who decides, as recorded with the decision. Default: $CRMHUB_USER, else the login name.",
                               valueName: "name"))
    var by: String?

    var person: String {
        by ?? ProcessInfo.processInfo.environment["CRMHUB_USER"] ?? ProcessInfo.processInfo.environment["USER"]
            ?? "unknown"
    }
}

struct ReconcileRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Reconcile bank lines with invoices (the default).",
        discussion: reflow("""
            Example: crmhub reconcile --from 2025-03-01 --to 2025-03-31
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Only lines booked on or after this day (yyyy-mm-dd).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Only lines booked on or before this day (yyyy-mm-dd).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("The rules file.", valueName: "path"))
    var rules = ReconciliationRulesLoader.defaultPath

    func run() async throws {
        let from = try parseDate(self.from, "--from")
        let to = try parseDate(self.to, "--to")
        let summary = try await options.withMigratedWarehouse { warehouse in
            try await ReconciliationRun.run(warehouse: warehouse, rulesPath: self.rules, from: from, to: to) { done, total in
                // One line per slice of 50,000 bank lines: a live line on a terminal, a log line otherwise.
                let line = "reconciling: \(Terminal.grouped(done)) of \(Terminal.grouped(total)) bank lines"
                if Terminal.isInteractive { Terminal.status(line) } else { Terminal.info(line) }
            }
        }
        Terminal.clearStatus()
        let rate = summary.seconds > 0 ? Double(summary.payments) / summary.seconds : 0
        Terminal.print("Run \(summary.runID): \(Terminal.grouped(summary.payments)) bank line(s) against "
                       + "\(Terminal.grouped(summary.openInvoices)) open invoice(s) in "
                       + String(format: "%.2f s (%@ lines/s)", summary.seconds, Terminal.grouped(Int(rate))))
        Terminal.print("  matched \(Terminal.grouped(summary.auto)), to review \(Terminal.grouped(summary.suggested)), "
                       + "unmatched \(Terminal.grouped(summary.unmatched)), bank's own \(summary.bankLines), "
                       + "own payments and returns \(summary.ownPayments)")
        if let payables = summary.payables {
            Terminal.print("  of which our payments to suppliers: \(Terminal.grouped(payables.payments)) against "
                           + "\(Terminal.grouped(payables.openInvoices)) open supplier invoice(s): matched "
                           + "\(Terminal.grouped(payables.auto)), to review \(Terminal.grouped(payables.suggested)), "
                           + "unmatched \(Terminal.grouped(payables.unmatched))")
        }
        let byRule = summary.ruleCounts.sorted { ruleOrder($0.key) < ruleOrder($1.key) }
            .map { "\($0.key) \(Terminal.grouped($0.value))" }
        Terminal.print("  by rule: " + byRule.joined(separator: ", "))
    }
}

/// R1 < R2 < … < R12 < others.
func ruleOrder(_ rule: String) -> (Int, String) {
    if rule.hasPrefix("R"), let number = Int(rule.dropFirst()) { return (number, rule) }
    return (1_000, rule)
}

func parseDate(_ text: String?, _ option: String) throws -> CalendarDate? {
    guard let text else { return nil }
    guard let date = CalendarDate(isoDate: text) else {
        throw ValidationError("\(option) must be a day written yyyy-mm-dd, not '\(text)'")
    }
    return date
}

struct ReconcileConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "Confirm proposed allocations (ids from the To review sheet).",
        discussion: reflow("""
            Example: crmhub reconcile confirm 41 42 --advance 7 --by "Dilnoza"
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var targets: DecisionTargets

    func run() async throws {
        try await targets.decide(.confirm, options: options)
    }
}

struct ReconcileRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject allocations (proposed or automatic): the pair is never proposed again.",
        discussion: reflow("""
            Rejecting an automatic allocation takes it back: the invoice is open again and the payment goes
            back to reconciliation, where that invoice will not be proposed for it again.

            Example: crmhub reconcile reject 43
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var targets: DecisionTargets

    func run() async throws {
        try await targets.decide(.reject, options: options)
    }
}

/// What `confirm` and `reject` act on, and who decides.
struct DecisionTargets: ParsableArguments {
    @OptionGroup var decider: DeciderOption

    @Argument(help: ArgumentHelp("Allocation ids.", valueName: "id"))
    var allocations: [Int64] = []

    @Option(name: .customLong("advance"), help: ArgumentHelp("An advance id (repeatable).", valueName: "id"))
    var advances: [Int64] = []

    func validate() throws {
        if allocations.isEmpty && advances.isEmpty { throw ValidationError("name at least one allocation or --advance") }
    }

    func decide(_ action: ReconciliationDecisions.Action, options: GlobalOptions) async throws {
        let targets = allocations.map { (ReconciliationDecisions.Target.allocation($0), action) }
            + advances.map { (ReconciliationDecisions.Target.advance($0), action) }
        let person = decider.person
        let changed = try await options.withMigratedWarehouse { warehouse in
            try await ReconciliationDecisions(warehouse: warehouse).decide(targets, by: person, source: "cli")
        }
        Terminal.print("\(action == .confirm ? "confirmed" : "rejected") \(changed) of \(targets.count)"
                       + (changed < targets.count ? " (the others were already)" : ""))
    }
}

struct ReconcileAllocateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Allocate a bank line to an invoice by hand (recorded as confirmed, rule 'manual').",
        discussion: reflow("""
            The amount defaults to what is left of both the payment and the invoice.

            Example: crmhub reconcile allocate --payment 1207 --invoice SF-2025/0150 --amount 7500000
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var decider: DeciderOption

    @Option(help: ArgumentHelp("The bank line's id (the Bank line column of the report).", valueName: "id"))
    var payment: Int64

    @Option(help: ArgumentHelp("The invoice number, as in 1C.", valueName: "number"))
    var invoice: String

    @Option(help: ArgumentHelp("How much of the payment pays this invoice.", valueName: "amount"))
    var amount: String?

    func run() async throws {
        var share: Decimal?
        if let amount {
            share = try Self.parseAmount(amount)
        }
        let allocation = try await options.withMigratedWarehouse { warehouse in
            try await ReconciliationDecisions(warehouse: warehouse).allocate(
                bankTransactionID: payment, invoiceNumber: invoice, amount: share, by: decider.person, source: "cli")
        }
        Terminal.print("allocation \(allocation.id): \(Terminal.money(allocation.amount.amountText)) of bank line "
                       + "\(payment) → invoice №\(invoice), confirmed"
                       + (allocation.replaced ? " (replacing the earlier allocation or proposal of this pair)" : ""))
    }

    /// An amount as accountants write it: `1500000`, `1 500 000`, `1500000.50` or `1500000,50`. Anything else
    /// (thousands separators that are commas or points, signs, exponents) is refused rather than guessed.
    static func parseAmount(_ text: String) throws -> Decimal {
        var digits = text.filter { $0 != " " && $0 != "\u{00A0}" && $0 != "\u{202F}" }
        if !digits.contains("."), digits.filter({ $0 == "," }).count == 1 {
            digits = digits.replacingOccurrences(of: ",", with: ".")
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit),
              parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit),
              let value = Decimal(string: digits), value > 0
        else {
            throw HubError(.configuration, "--amount must be a positive amount such as 1500000, 1 500 000 or "
                           + "1500000.50, not '\(text)'")
        }
        return value
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

struct ReconcileImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record the decisions of a reviewed report (its To review sheet's Decision column).",
        discussion: reflow("""
            Reads the XLSX (or the CSV folder or to-review.csv) written by `crmhub report reconciliation` after
            the accountant filled in Decision: confirm (yes, да, ha) or reject (no, нет, yo'q); empty rows are
            left for later. All decisions are recorded together, or none if one is refused (for example, an
            invoice that another payment has paid meanwhile). Importing the same file again changes nothing.

            Example: crmhub reconcile import reports/reconciliation-2025-03.xlsx
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var decider: DeciderOption

    @Argument(help: ArgumentHelp("The reviewed report.", valueName: "file"))
    var file: String

    func run() async throws {
        let reviewed = try ReconciliationReportFile.readDecisions(path: file)
        guard !reviewed.isEmpty else {
            Terminal.print("\(file): no decisions filled in; nothing to record")
            return
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        let changed = try await options.withMigratedWarehouse { warehouse in
            try await ReconciliationDecisions(warehouse: warehouse).decide(
                reviewed.map { ($0.target, $0.action) }, by: decider.person, source: "report:\(name)")
        }
        let confirms = reviewed.filter { $0.action == .confirm }.count
        Terminal.print("\(file): \(confirms) confirmed, \(reviewed.count - confirms) rejected; \(changed) changed"
                       + (changed < reviewed.count ? " (the others were already decided so)" : ""))
    }
}
