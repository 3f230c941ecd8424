import CRMWarehouse
import Connectors
import Foundation
import HubCore
import PostgresNIO
import Testing

/// Loans from the core banking system end to end through the CLI: contracts with their schedules, operations,
/// a restructuring and a write-off, the arrears snapshot and the collectors' list.
@Suite("loans from the core banking system")
struct LoanImportTests {
    static let contracts = ReconciliationTests.repository.appendingPathComponent("samples/loans/contracts-2025-02.csv").path
    static let operations = ReconciliationTests.repository
        .appendingPathComponent("samples/loans/operations-2025-02.csv").path

    static func query<Row: Sendable>(_ warehouse: Warehouse, _ sql: String, as type: Row.Type) async throws -> [Row]
        where Row: PostgresDecodable
    {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger).collect()
            .map { try $0.decode(Row.self) }
    }

    /// What the loans tables hold, to compare before and after a repeat.
    static func fingerprint(_ warehouse: Warehouse) async throws -> [String] {
        var lines: [String] = []
        for table in ["core.loans", "core.loan_schedule_versions", "core.loan_schedule", "core.loan_payments",
                      "mart.loan_arrears"] {
            lines += try await query(warehouse, "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \(table) t",
                                     as: String?.self).map { "\(table) \($0 ?? "-")" }
        }
        return lines
    }

    @Test("the samples load with their schedules and quarantine their bad lines; a repeat changes nothing")
    func samplesLoad() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let cli = CLITests()
            let contracts = try await cli.crmhub(["import", "loan-contracts", Self.contracts], database: warehouse.settings)
            #expect(contracts.status == 3, "\(contracts.text)")
            #expect(contracts.text.contains("loaded 7") && contracts.text.contains(":9: borrower_id '3030319880005'"),
                    "\(contracts.text)")
            let operations = try await cli.crmhub(["import", "loan-operations", Self.operations],
                                                  database: warehouse.settings)
            #expect(operations.status == 3, "\(operations.text)")
            let quarantined = try await Self.query(warehouse, """
                SELECT position || ' ' || reason FROM ops.quarantine ORDER BY batch_id, position
                """, as: String.self)
            #expect(quarantined.count == 3, "\(quarantined)")
            #expect(quarantined.contains { $0.hasPrefix("35 contract KR-2024-000999 is not in the warehouse") })
            #expect(quarantined.contains { $0.hasPrefix("36 amount '12.5.0'") })

            // The worked example's schedule, as the calculator computes it (reference §3.2).
            let example = try await Self.query(warehouse, """
                SELECT s.number || ' ' || s.payment || ' ' || s.interest || ' ' || s.balance
                FROM core.loan_schedule s JOIN core.loans l USING (loan_id)
                WHERE l.contract_number = 'KR-2024-000117' AND s.number IN (1, 12) ORDER BY s.number
                """, as: String.self)
            #expect(example == ["1 11347151.59 2400000.00 111052848.41", "12 11347151.67 222493.17 0.00"])
            // Whole sums for the product that asks for them (mappings/loans.yaml).
            let wholeSums = try await Self.query(warehouse, """
                SELECT count(*)::int FROM core.loan_schedule s JOIN core.loans l USING (loan_id)
                WHERE l.product = 'CONSUMER-SUM' AND (s.payment <> round(s.payment) OR s.interest <> round(s.interest))
                """, as: Int.self)
            #expect(wholeSums == [0])
            // The restructured contract keeps both schedules; the write-off is on the contract.
            let versions = try await Self.query(warehouse, """
                SELECT v.reason || ' ' || v.effective_from || ' ' || count(s.*)
                FROM core.loan_schedule_versions v JOIN core.loans l USING (loan_id)
                JOIN core.loan_schedule s USING (loan_id, effective_from)
                WHERE l.contract_number = 'KR-2024-000142' GROUP BY v.reason, v.effective_from ORDER BY 1
                """, as: String.self)
            #expect(versions == ["contract 2024-06-20 12", "restructuring 2024-12-20 18"])
            let writtenOff = try await Self.query(warehouse, """
                SELECT written_off_on::text || ' ' || written_off_amount FROM core.loans
                WHERE contract_number = 'KR-2023-000088'
                """, as: String.self)
            #expect(writtenOff == ["2025-01-31 142000000.00"])

            let before = try await Self.fingerprint(warehouse)
            let again = try await cli.crmhub(["import", "loan-contracts", Self.contracts], database: warehouse.settings)
            #expect(again.text.contains("already loaded"))
            // The same rows in another file (a new hash): nothing changes either.
            let files = try TemporaryFiles()
            defer { files.remove() }
            let copy = try files.write("operations-copy.csv", try Data(contentsOf: URL(fileURLWithPath: Self.operations))
                + Data("\n".utf8))
            let copied = try await cli.crmhub(["import", "loan-operations", copy], database: warehouse.settings)
            #expect(copied.text.contains("loaded 0"), "\(copied.text)")
            #expect(try await Self.fingerprint(warehouse) == before)
        }
    }

    @Test("the arrears of 2025-02-20: the worked example is 36 days in 31–60 for 18 694 303.18; the day's picture stays")
    func arrearsSnapshot() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let cli = CLITests()
            _ = try await cli.crmhub(["import", "loan-contracts", Self.contracts], database: warehouse.settings)
            _ = try await cli.crmhub(["import", "loan-operations", Self.operations], database: warehouse.settings)
            let taken = try await cli.crmhub(["loan", "arrears", "--date", "2025-02-20"], database: warehouse.settings)
            #expect(taken.status == 0 && taken.text.contains("snapshot taken, 7 contract(s)"), "\(taken.text)")
            let rows = try await Self.query(warehouse, """
                SELECT contract_number || ' ' || status || ' ' || days_past_due || ' ' || bucket || ' ' || overdue_amount
                FROM mart.loan_arrears WHERE snapshot_date = '2025-02-20' ORDER BY contract_number
                """, as: String.self)
            #expect(rows == [
                "KR-2023-000088 written_off 558 90+ 159351537.95",
                "KR-2024-000117 active 36 31–60 18694303.18",
                "KR-2024-000121 active 0 current 0.00",
                "KR-2024-000130 active 107 90+ 14981484.00",
                "KR-2024-000142 active 0 current 0.00",
                "KR-2024-000150 active 5 1–30 2276989.15",
                "KR-2025-000003 active 0 current 0.00",
            ])

            // A payment that arrives later does not change the day's snapshot unless it is taken again.
            let files = try TemporaryFiles()
            defer { files.remove() }
            let late = try files.write("late.csv", Data("""
                \(LoanOperationFile.columns.joined(separator: ","))
                KR-2024-000117,2025-02-19,repayment,P-117-3,18694303.18,,,,,,,,

                """.utf8))
            _ = try await cli.crmhub(["import", "loan-operations", late], database: warehouse.settings)
            let repeated = try await cli.crmhub(["loan", "arrears", "--date", "2025-02-20"], database: warehouse.settings)
            #expect(repeated.text.contains("stands"), "\(repeated.text)")
            let kept = try await Self.query(warehouse, """
                SELECT days_past_due FROM mart.loan_arrears
                WHERE snapshot_date = '2025-02-20' AND contract_number = 'KR-2024-000117'
                """, as: Int.self)
            #expect(kept == [36])
            _ = try await cli.crmhub(["loan", "arrears", "--date", "2025-02-20", "--replace"],
                                     database: warehouse.settings)
            let replaced = try await Self.query(warehouse, """
                SELECT days_past_due || ' ' || overdue_amount FROM mart.loan_arrears
                WHERE snapshot_date = '2025-02-20' AND contract_number = 'KR-2024-000117'
                """, as: String.self)
            #expect(replaced == ["0 0.00"])

            // The collectors' list, opened as a workbook.
            let path = files.directory + "/problem-loans.xlsx"
            let report = try await cli.crmhub(["report", "problem-loans", "--date", "2025-02-20", "--out", path],
                                              database: warehouse.settings)
            #expect(report.status == 0 && report.text.contains("2 problem contract(s)"), "\(report.text)")
            let workbook = try XLSXWorkbookReader(path: path)
            let sheet = try workbook.rows(ofSheet: "Problem loans 2025-02-20")
            #expect(sheet.count == 3)
            #expect(sheet[1].prefix(4) == ["KR-2024-000130", "Yusupova Malika", "41503198700021", "+998935556677"])
            #expect(sheet[1][8] == "107" && sheet[2][0] == "KR-2024-000150")
            // And as LibreOffice reads it (what a collector opens): numbers stay numbers, names stay text.
            let converted = try LibreOffice.convertToCSV(path, in: URL(fileURLWithPath: files.directory))
            #expect(converted.status == 0, "\(converted.text)")
            let csv = try String(contentsOfFile: files.directory + "/problem-loans-Problem loans 2025-02-20.csv",
                                 encoding: .utf8)
            let read = CSVText.rows(csv)
            #expect(read.count == 3 && read[1][0] == "KR-2024-000130" && read[1][3] == "+998935556677", "\(read)")
            #expect(read[1][15] == "14981484.00" || read[1][15] == "14981484", "\(read[1])")
        }
    }

    @Test("a corrected contract gets its schedule again; an unchanged one keeps it")
    func correctedContract() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let cli = CLITests()
            let files = try TemporaryFiles()
            defer { files.remove() }
            let header = LoanContractFile.columns.joined(separator: ",")
            let first = try files.write("a.csv", Data("""
                \(header)
                KR-1,30211199800014,Karimov Aziz,,CONSUMER,,,UZS,120000000.00,24,12,annuity,30/360,2024-11-15,
                KR-2,205123456,OOO Test,,SME,,,UZS,50000000.00,20,6,differentiated,act/365,2024-11-01,

                """.utf8))
            let corrected = try files.write("b.csv", Data("""
                \(header)
                KR-1,30211199800014,Karimov Aziz,,CONSUMER,,,UZS,120000000.00,24,12,annuity,act/act,2024-11-15,
                KR-2,205123456,OOO Test,,SME,,,UZS,50000000.00,20,6,differentiated,act/365,2024-11-01,
                KR-3,205123457,OOO Bad,,SME,,,UZS,50000000.00,20,6,annuity,act/365,2024-11-01,2024-10-01

                """.utf8))
            _ = try await cli.crmhub(["import", "loan-contracts", first], database: warehouse.settings)
            let second = try await cli.crmhub(["import", "loan-contracts", corrected], database: warehouse.settings)
            #expect(second.text.contains("loaded 1, duplicates 1, quarantined 1"), "\(second.text)")
            #expect(second.text.contains("must come after the disbursement"), "\(second.text)")
            let interest = try await Self.query(warehouse, """
                SELECT l.contract_number || ' ' || s.interest || ' ' || l.batch_id FROM core.loan_schedule s
                JOIN core.loans l USING (loan_id) WHERE s.number = 1 ORDER BY 1
                """, as: String.self)
            // ACT/ACT's first period over 366 days (reference §3.2); KR-2 still from the first file.
            #expect(interest.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
                    == ["KR-1 2360655.74", "KR-2 821917.81"])
            #expect(interest[1].hasSuffix(" 1"))
        }
    }

    @Test("the XML layout loads the same contracts; a misspelt element is quarantined with its line; a wrong root fails")
    func xmlLayout() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let sample = ReconciliationTests.repository.appendingPathComponent("samples/loans/contracts-2025-03.xml").path
            let imported = try await CLITests().crmhub(["import", "loan-contracts", sample], database: warehouse.settings)
            #expect(imported.status == 0 && imported.text.contains("loaded 1"), "\(imported.text)")
            // Disbursed 31 January: due at each month's end; ACT/ACT over 2025's 365 days.
            let first = try await Self.query(warehouse, """
                SELECT s.due_on || ' ' || s.principal || ' ' || s.interest FROM core.loan_schedule s
                JOIN core.loans l USING (loan_id) WHERE l.contract_number = 'KR-2025-000010' AND s.number <= 2
                ORDER BY s.number
                """, as: String.self)
            #expect(first == ["2025-02-28 12500000.00 4947945.21", "2025-03-31 12500000.00 5249828.77"])
            let files = try TemporaryFiles()
            defer { files.remove() }
            let bad = try files.write("bad.xml", Data("""
                <?xml version="1.0" encoding="UTF-8"?>
                <LoanContracts>
                  <Contract><contract>KR-X</contract><borower_id>205123456</borower_id></Contract>
                </LoanContracts>

                """.utf8))
            let refused = try await CLITests().crmhub(["import", "loan-contracts", bad], database: warehouse.settings)
            #expect(refused.status == 3 && refused.text.contains("bad.xml:3: <borower_id> is not a field of <Contract>"),
                    "\(refused.text)")
            #expect(refused.text.contains("did you mean 'borrower_id'"))
            let wrongRoot = try files.write("root.xml", Data("<Loans><Contract/></Loans>".utf8))
            let failed = try await CLITests().crmhub(["import", "loan-contracts", wrongRoot], database: warehouse.settings)
            #expect(failed.status == 1 && failed.text.contains("the root element is <Loans>, not <LoanContracts>"),
                    "\(failed.text)")
        }
    }

    @Test("crmhub loan schedule: the table, the CSV the oracle wrote, and a workbook with the terms")
    func calculatorCommand() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let arguments = ["loan", "schedule", "--principal", "120000000", "--rate", "24", "--months", "12",
                         "--method", "differentiated", "--daycount", "act/365", "--disbursed", "2024-11-15"]
        let table = try ChildProcess.run(CLITests.binary, arguments)
        #expect(table.status == 0, "\(table.text)")
        #expect(table.text.contains(" 1  2024-12-15    30   12 367 123.29   10 000 000.00   2 367 123.29  110 000 000.00"),
                "\(table.text)")
        let csv = files.directory + "/schedule.csv"
        _ = try ChildProcess.run(CLITests.binary, arguments + ["--format", "csv", "--out", csv])
        let oracle = ReconciliationTests.repository
            .appendingPathComponent("Tests/LoansTests/Fixtures/differentiated-act-365.csv").path
        let written = try String(contentsOfFile: csv, encoding: .utf8).replacingOccurrences(of: "\u{FEFF}", with: "")
            .replacingOccurrences(of: "\r\n", with: "\n")
        #expect(written == (try String(contentsOfFile: oracle, encoding: .utf8)))
        let xlsx = files.directory + "/schedule.xlsx"
        let wrote = try ChildProcess.run(CLITests.binary, arguments + ["--format", "xlsx", "--out", xlsx])
        #expect(wrote.text.contains("12 instalments, total 135 550 684.94 of which interest 15 550 684.94"), "\(wrote.text)")
        let workbook = try XLSXWorkbookReader(path: xlsx)
        let rows = try workbook.rows(ofSheet: "Schedule")
        #expect(rows.count == 14 && rows[13][0] == "Total" && rows[13][3] == "135550684.94", "\(rows.last ?? [])")
        #expect(try workbook.rows(ofSheet: "Terms").contains(["day count", "act/365"]))
        let refused = try ChildProcess.run(CLITests.binary, ["loan", "schedule", "--principal", "1000", "--rate", "24",
                                                             "--months", "700", "--disbursed", "2024-11-15"])
        #expect(refused.status == 2 && refused.text.contains("1 to 600 monthly instalments"), "\(refused.text)")
    }
}
