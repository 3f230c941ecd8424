import CRMWarehouse
import Foundation
import HubCore
import Testing

/// Every benchmark, run at a size of seconds, so that a benchmark broken by a change fails the suite instead of
/// waiting for the next person who measures (the bank-1c one once stopped at a new column unnoticed).
@Suite("benchmarks, smoke-sized")
struct BenchmarkSmokeTests {
    static let binary: String = {
        URL(fileURLWithPath: CLITests.binary).deletingLastPathComponent().appendingPathComponent("CRMHubBenchmarks").path
    }()

    func benchmark(_ arguments: [String], database: String?) async throws -> ChildProcess.Output {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the benchmarks first: \(binary)")
        let files = try TemporaryFiles()
        defer { files.remove() }
        let server = try await TestDatabase.server()
        let extra = database.map { ["--database", $0] } ?? []
        let environment = ["DATABASE_URL": server.urlWithCredentials]
        let all = arguments + ["--rounds", "1", "--out", files.directory] + extra
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try ChildProcess.run(binary, all, environment: environment, timeout: .seconds(300))
                })
            }
        }
    }

    static func uniqueDatabase(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
    }

    @Test("bank-1c against psql \\copy: the three loads agree and the ratio is printed")
    func bank1C() async throws {
        let output = try await benchmark(["--documents", "1500"], database: Self.uniqueDatabase("smoke_bank"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("bank-1c import benchmark (1500 documents"), "\(output.text)")
        #expect(output.text.contains("ratio                 : "))
        #expect(output.text.contains("crmhub peak RSS"))
    }

    @Test("1c-enterprisedata against xmllint --stream")
    func enterpriseData() async throws {
        let output = try await benchmark(["--xml-invoices", "300"], database: Self.uniqueDatabase("smoke_xml"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("1c-enterprisedata benchmark (300 invoices"), "\(output.text)")
        #expect(output.text.contains("ratio to xmllint --stream    : "))
    }

    @Test("loans: the contracts' schedules against psql \\copy, then the arrears snapshot finds the corpus's overdue contracts")
    func loans() async throws {
        let output = try await benchmark(["--loans", "300"], database: Self.uniqueDatabase("smoke_loans"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("loans benchmark (300 contracts, 18000 instalments"), "\(output.text)")
        #expect(output.text.contains("ratio                        : "))
        #expect(output.text.contains("crmhub loan arrears          : ") && output.text.contains("for 300 contracts"))
    }

    @Test("attendance: the punch import against psql \\copy, then the month's build")
    func attendance() async throws {
        let output = try await benchmark(["--attendance-employees", "20"], database: Self.uniqueDatabase("smoke_att"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("attendance benchmark (20 employees, "), "\(output.text)")
        #expect(output.text.contains("crmhub attendance build   : ") && output.text.contains("for 620 days"))
    }

    @Test("calls: generated MANGO OFFICE legs imported and classified against psql \\copy of the rows")
    func calls() async throws {
        let output = try await benchmark(["--call-legs", "3000"], database: Self.uniqueDatabase("smoke_calls"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("calls benchmark (3000 legs, "), "\(output.text)")
        #expect(output.text.contains("ratio                     : ") && output.text.contains("peak RSS"))
    }

    @Test("calendars: generated Outlook mailboxes parsed, expanded and imported against psql \\copy of the rows")
    func calendars() async throws {
        let output = try await benchmark(["--calendar-mailboxes", "4"], database: Self.uniqueDatabase("smoke_cal"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("calendars benchmark (4 mailboxes, "), "\(output.text)")
        #expect(output.text.contains("parse + expand") && output.text.contains("ratio"), "\(output.text)")
    }

    @Test("the invoice-reference extractor against a regular expression")
    func purposes() async throws {
        let output = try await benchmark(["--purposes", "2000"], database: nil)
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("InvoiceReferenceExtractor: ") && output.text.contains("ratio: "), "\(output.text)")
    }

    @Test("crmhub reconcile against psql \\copy out, scored against the generated truth")
    func reconcile() async throws {
        let output = try await benchmark(["--reconcile-payments", "1000", "--reconcile-invoices", "800"],
                                         database: Self.uniqueDatabase("smoke_recon"))
        #expect(output.status == 0 && !output.timedOut, "\(output.text)")
        #expect(output.text.contains("reconcile benchmark (1000 payments, 800 open invoices"), "\(output.text)")
        #expect(output.text.contains("accuracy: auto precision"))
    }

    @Test("wrong flags: exit 2 with the reason")
    func usage() async throws {
        let output = try await benchmark(["--purposes", "10", "--xml-invoices", "10"], database: nil)
        #expect(output.status == 2, "\(output.text)")
        #expect(output.text.contains("choose one benchmark per run"))
    }
}
