import CRMWarehouse
import Connectors
import Foundation
import HubCore
import PostgresNIO
import Testing

/// The credit-bureau exchange: the file of a reporting date in the layout's records, checked before it is
/// written, its control totals tied to the warehouse; the bureau's answers loaded and shown per contract.
@Suite("the credit-bureau file")
struct BureauExportTests {
    static func loadSamples(_ warehouse: Warehouse) async throws {
        _ = try await CLITests().crmhub(["import", "loan-contracts", LoanImportTests.contracts], database: warehouse.settings)
        _ = try await CLITests().crmhub(["import", "loan-operations", LoanImportTests.operations],
                                        database: warehouse.settings)
    }

    @Test("the file of 2025-02-20 holds every record of the day, and its trailer ties to the warehouse")
    func fileTiesToTheWarehouse() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.loadSamples(warehouse)
            let files = try TemporaryFiles()
            defer { files.remove() }
            let path = files.directory + "/katm/KATM-20250220.txt"
            let exported = try await CLITests().crmhub(["export", "bureau", "--date", "2025-02-20", "--out", path],
                                                       database: warehouse.settings)
            #expect(exported.status == 0, "\(exported.text)")
            let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n").dropLast()
            let records = Dictionary(grouping: lines, by: { String($0.prefix(1)) }).mapValues(\.count)
            // What the warehouse holds for the day, counted apart.
            let expected = try await LoanImportTests.query(warehouse, """
                SELECT (SELECT count(*) FROM mart.loan_arrears WHERE snapshot_date = '2025-02-20')::int
                    || ' ' || (SELECT count(*) FROM mart.loan_arrears a JOIN core.loan_schedule s
                               ON s.loan_id = a.loan_id AND s.effective_from = a.schedule_from
                               WHERE a.snapshot_date = '2025-02-20')
                    || ' ' || (SELECT count(*) FROM core.loan_payments WHERE kind = 'repayment'
                               AND paid_on <= '2025-02-20')
                    || ' ' || (SELECT count(*) FROM mart.loan_arrears
                               WHERE snapshot_date = '2025-02-20' AND days_past_due > 0)
                    || ' ' || (SELECT sum(outstanding_principal) FROM mart.loan_arrears WHERE snapshot_date = '2025-02-20')
                    || ' ' || (SELECT sum(overdue_amount) FROM mart.loan_arrears WHERE snapshot_date = '2025-02-20')
                """, as: String.self)[0].split(separator: " ").map(String.init)
            #expect(records["H"] == 1 && records["T"] == 1 && records["R"] == 1 && records["W"] == 1)
            #expect([records["C"], records["S"], records["P"], records["O"]].map { String($0 ?? 0) }
                    == Array(expected.prefix(4)))
            let trailer = lines.last!.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(trailer == ["T", String(lines.count), expected[0], expected[4], expected[5]])
            #expect(lines.first!.hasPrefix("H|KATM-20250220-1|01099|2025-02-20|"))
            #expect(lines.contains("O|KR-2024-000117|36|31–60|substandard|2025-01-15|16655768.10|2038535.08|18694303.18"))
            let recorded = try await LoanImportTests.query(warehouse, """
                SELECT submission || ' ' || contracts || ' ' || outstanding_total || ' ' || (records->>'S')
                FROM ops.bureau_submissions
                """, as: String.self)
            #expect(recorded == ["KATM-20250220-1 7 \(expected[4]) \(expected[1])"])

            // The bureau's answer: one record rejected, the rest of the contract's accepted.
            let answer = try files.write("answer.csv", Data("""
                \(BureauResponseFile.columns.joined(separator: ","))
                KATM-20250220-1,KR-2024-000117,C,3,accepted,,
                KATM-20250220-1,KR-2024-000117,O,150,rejected,E17,overdue amount does not match the schedule
                KATM-20250220-1,KR-2024-000130,C,5,accepted,,
                KATM-20250220-1,KR-2024-000150,C,7,rejected,,

                """.utf8))
            let imported = try await CLITests().crmhub(["import", "bureau-response", answer], database: warehouse.settings)
            #expect(imported.status == 3 && imported.text.contains("needs its reason_code or message"), "\(imported.text)")
            let status = try await LoanImportTests.query(warehouse, """
                SELECT contract_number || ' ' || accepted || ' ' || rejected || ' ' || coalesce(rejections, '-')
                FROM mart.bureau_contract_status ORDER BY 1
                """, as: String.self)
            #expect(status == ["KR-2024-000117 1 1 O line 150: E17 overdue amount does not match the schedule",
                               "KR-2024-000130 1 0 -"])
        }
    }

    @Test("a field that fails its check stops the file: nothing is written or recorded, and the contract is named")
    func checkedBeforeWriting() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let files = try TemporaryFiles()
            defer { files.remove() }
            let contracts = try files.write("contracts.csv", Data("""
                \(LoanContractFile.columns.joined(separator: ","))
                KR-1,30211199800014,Karimov Aziz,+998901234567,CONSUMER,,,UZS,12000000.00,24,12,annuity,30/360,2024-11-15,
                KR-2,205123456,OOO Test,,SME,,,UZS,50000000.00,20,6,differentiated,act/365,2024-11-01,

                """.utf8))
            _ = try await CLITests().crmhub(["import", "loan-contracts", contracts], database: warehouse.settings)
            let layout = try String(contentsOfFile: ReconciliationTests.repository
                .appendingPathComponent("mappings/bureau-katm.yaml").path, encoding: .utf8)
                .replacingOccurrences(of: "      - borrower_name\n", with: "      - borrower_name\n      - borrower_phone\n")
            let layoutPath = try files.write("bureau-strict.yaml", Data(layout.utf8))
            let path = files.directory + "/out.txt"
            let refused = try await CLITests().crmhub(["export", "bureau", "--date", "2025-02-20", "--out", path,
                                                       "--layout", layoutPath], database: warehouse.settings)
            #expect(refused.status == 1, "\(refused.text)")
            #expect(refused.text.contains("KR-2: contract borrower_phone: required, but empty"), "\(refused.text)")
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: files.directory).allSatisfy { !$0.hasSuffix(".partial") })
            let recorded = try await LoanImportTests.query(warehouse, "SELECT count(*)::int FROM ops.bureau_submissions",
                                                           as: Int.self)
            #expect(recorded == [0])
            // A layout naming a field no record has is refused with its line, before anything is read.
            let typo = try files.write("bureau-typo.yaml", Data(layout.replacingOccurrences(
                of: "      - borrower_phone\n", with: "      - borower_phone\n").utf8))
            let invalid = try await CLITests().crmhub(["export", "bureau", "--date", "2025-02-20", "--out", path,
                                                       "--layout", typo], database: warehouse.settings)
            #expect(invalid.status != 0 && invalid.text.contains("did you mean 'borrower_phone'"), "\(invalid.text)")
        }
    }
}
