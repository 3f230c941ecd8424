import ArgumentParser
import Foundation
import Logging

/// The benchmark executable's command line: one benchmark per run, chosen by its size flag.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CRMHubBenchmarks",
        abstract: "Times crmhub against a reference tool on the same input, in the same run, and prints the ratios.",
        discussion: """
            One benchmark per run. Without --xml-invoices, --purposes or --reconcile-payments it runs the bank-1c \
            benchmark.

            bank-1c (--documents N): generates a CP1251 1CClientBankExchange statement of N documents and the \
            core.bank_transactions rows it must become, then per round times `crmhub import bank-1c` (a separate \
            process: its wall time and peak memory are what a user gets), `psql \\copy` of the same rows into a \
            table of the same shape, and postgres-nio's copyFrom of them. It fails unless all three loads hold \
            the same number of rows and crmhub's rows equal the reference rows.

            1c-enterprisedata (--xml-invoices N): an EnterpriseData message of N invoices, each parser alone and \
            `crmhub import 1c-enterprisedata`, against `xmllint --stream --noout` over the same file. Needs \
            xmllint (Debian: libxml2-utils).

            purposes (--purposes N): the invoice-reference extractor over N payment purposes, against a plain \
            NSRegularExpression scan for digit runs. Needs no database.

            reconcile (--reconcile-payments N): `crmhub reconcile` of N generated incoming payments against open \
            invoices with a known right answer, against `psql \\copy` of the same payments out of the warehouse; \
            prints the accuracy against the generated truth.

            attendance (--attendance-employees N): a month of ZKTeco punches for N employees (about 200 each), \
            `crmhub import skud-zkteco` against `psql \\copy` of the same core.punches rows, then `crmhub \
            attendance build` of the month (target: 20 s for 5,000 employees).

            calls (--call-legs N): N generated MANGO OFFICE statistics legs through `crmhub import calls-mango` \
            (stored, classified, clients created), against `psql \\copy` of the rows it wrote (target: 0.5× for \
            1,000,000 legs, 200 MB).

            calendars (--calendar-mailboxes M): M generated Outlook mailboxes of 300 events (a third recurring with \
            exceptions) parsed alone, then parsed and expanded over 2026 (target: 10 s for 200 mailboxes), then \
            `crmhub import calendar-ics` of them against `psql \\copy` of the rows it wrote.

            loans (--loans N): N generated loan contracts of 60 monthly instalments through `crmhub import \
            loan-contracts` (schedules computed), against `psql \\copy` of the same core.loan_schedule rows (target: \
            0.5×), then `crmhub loan arrears` of the N contracts (target: 10 s for 100,000, 200 MB).

            The database: DATABASE_URL names the PostgreSQL server. The benchmark makes its own database there \
            (see --database) and drops and re-creates it each run; the database named in DATABASE_URL is not \
            touched. Without DATABASE_URL it starts a private PostgreSQL under <out>/.crmhub/postgres and stops \
            it when it ends, also on Ctrl-C (one that was already running there is left running).

            For figures, build in release mode, crmhub beside this program: \
            `swift build -c release && .build/release/CRMHubBenchmarks --documents 1000000`. The machine is \
            noisy: compare only figures from the same run.

            Exit codes: 0 done; 1 a benchmark failed or its result did not check out; 2 wrong flags or \
            settings (crmhub, psql or xmllint missing); 130 interrupted.
            """
    )

    @Option(help: ArgumentHelp("bank-1c: documents in the generated statement (default: 1000000).", valueName: "N"))
    var documents: Int?

    @Option(help: ArgumentHelp(
        "Rounds to run; the median is reported (default: 3 for bank-1c and --purposes, 1 for --xml-invoices and "
            + "--reconcile-payments).", valueName: "R"))
    var rounds: Int?

    @Option(help: ArgumentHelp("Run the 1C EnterpriseData benchmark over a message of N invoices.", valueName: "N"))
    var xmlInvoices: Int?

    @Option(help: ArgumentHelp("Run the invoice-reference extractor over N payment purposes.", valueName: "N"))
    var purposes: Int?

    @Option(help: ArgumentHelp("Run the reconciliation benchmark with N incoming payments.", valueName: "N"))
    var reconcilePayments: Int?

    @Option(help: ArgumentHelp(
        "With --reconcile-payments: the open invoices they are matched against (default: 500000).", valueName: "M"))
    var reconcileInvoices: Int?

    @Option(help: ArgumentHelp("Run the attendance benchmark with a month of punches for N employees.",
                               valueName: "N"))
    var attendanceEmployees: Int?

    @Option(help: ArgumentHelp("Run the calls benchmark with N generated MANGO OFFICE call legs.", valueName: "N"))
    var callLegs: Int?

    @Option(help: ArgumentHelp("Run the calendars benchmark with M generated Outlook mailboxes.", valueName: "M"))
    var calendarMailboxes: Int?

    @Option(help: ArgumentHelp("Run the loans benchmark with N generated contracts of 60 instalments.",
                               valueName: "N"))
    var loans: Int?

    @Option(help: ArgumentHelp(
        "Folder for the generated inputs (kept and reused while they match what the benchmark would write) and "
            + "the private PostgreSQL.", valueName: "DIR"))
    var out = "bench-out"

    @Option(help: ArgumentHelp(
        "The database the benchmark drops and re-creates on the server (default: crmhub_bench, "
            + "crmhub_bench_xml or crmhub_bench_reconcile). Never name a database you keep.", valueName: "NAME"))
    var database: String?

    enum Benchmark {
        case bank(documents: Int)
        case xml(invoices: Int)
        case purposes(count: Int)
        case reconcile(payments: Int, invoices: Int)
        case attendance(employees: Int)
        case calls(legs: Int)
        case calendars(mailboxes: Int)
        case loans(contracts: Int)
    }

    var benchmark: Benchmark {
        if let xmlInvoices { return .xml(invoices: xmlInvoices) }
        if let purposes { return .purposes(count: purposes) }
        if let attendanceEmployees { return .attendance(employees: attendanceEmployees) }
        if let callLegs { return .calls(legs: callLegs) }
        if let calendarMailboxes { return .calendars(mailboxes: calendarMailboxes) }
        if let loans { return .loans(contracts: loans) }
        if let reconcilePayments {
            return .reconcile(payments: reconcilePayments, invoices: reconcileInvoices ?? 500_000)
        }
        return .bank(documents: documents ?? 1_000_000)
    }

    /// Databases the benchmark must never drop: the server's own and crmhub's default warehouse.
    static let reservedDatabases: Set<String> = ["postgres", "template0", "template1", "crmhub"]

    func validate() throws {
        let modes = [("--xml-invoices", xmlInvoices), ("--purposes", purposes),
                     ("--reconcile-payments", reconcilePayments),
                     ("--attendance-employees", attendanceEmployees), ("--call-legs", callLegs),
                     ("--calendar-mailboxes", calendarMailboxes), ("--loans", loans)].filter { $0.1 != nil }.map(\.0)
        if modes.count > 1 {
            throw ValidationError("choose one benchmark per run, not \(modes.joined(separator: " and "))")
        }
        if let mode = modes.first, documents != nil {
            throw ValidationError("--documents is for the bank-1c benchmark; it cannot go with \(mode)")
        }
        if reconcileInvoices != nil, reconcilePayments == nil {
            throw ValidationError("--reconcile-invoices goes with --reconcile-payments")
        }
        for (flag, value) in [("--documents", documents), ("--rounds", rounds), ("--xml-invoices", xmlInvoices),
                              ("--purposes", purposes), ("--reconcile-payments", reconcilePayments),
                              ("--reconcile-invoices", reconcileInvoices),
                              ("--attendance-employees", attendanceEmployees), ("--call-legs", callLegs),
                              ("--loans", loans)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be at least 1, not \(value)") }
        }
        if let database {
            if purposes != nil { throw ValidationError("--purposes uses no database; --database does not apply") }
            // It goes into DROP DATABASE: a plain lower-case identifier, and never one that holds real data.
            let plain = database.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            guard plain, let first = database.utf8.first, !(first >= 0x30 && first <= 0x39), database.utf8.count <= 63
            else {
                throw ValidationError("--database must be a lower-case name of letters, digits and _, not '\(database)'")
            }
            if Self.reservedDatabases.contains(database) {
                throw ValidationError("--database \(database): the benchmark drops its database; choose another name")
            }
        }
    }

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        func context(_ defaultDatabase: String) async throws -> BenchmarkContext {
            try await BenchmarkContext.make(out: out, database: database ?? defaultDatabase, logger: logger)
        }
        switch benchmark {
        case .purposes(let count):
            PurposeBenchmark.run(count: count, rounds: rounds ?? 3)
        case .bank(let documents):
            try await BankBenchmark.run(documents: documents, rounds: rounds ?? 3, context("crmhub_bench"))
        case .xml(let invoices):
            try await XMLBenchmark.run(invoices: invoices, rounds: rounds ?? 1, context("crmhub_bench_xml"))
        case .reconcile(let payments, let invoices):
            try await ReconcileBenchmark.run(
                payments: payments, invoices: invoices, rounds: rounds ?? 1, context("crmhub_bench_reconcile"))
        case .attendance(let employees):
            try await AttendanceBenchmark.run(employees: employees, rounds: rounds ?? 1,
                                              context("crmhub_bench_attendance"))
        case .calls(let legs):
            try await CallsBenchmark.run(legs: legs, rounds: rounds ?? 1, context("crmhub_bench_calls"))
        case .loans(let contracts):
            try await LoanBenchmark.run(contracts: contracts, rounds: rounds ?? 1, context("crmhub_bench_loans"))
        case .calendars(let mailboxes):
            try await CalendarBenchmark.run(mailboxes: mailboxes, rounds: rounds ?? 1,
                                            context("crmhub_bench_calendars"))
        }
    }
}
