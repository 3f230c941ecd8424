import CRMWarehouse
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Reconciliation
import Testing

/// A payment agent's single line for several payers, split by the registry file the agent sent beside it
/// (`payment-registry`); a registry that does not add up to the line is not used.
@Suite("payment agents' registry files")
struct PaymentRegistryFileTests {
    @Test("the line naming registry 20250315-02 is split by its file and each payer decided; a bad entry is quarantined; a repeat changes nothing")
    func registryFileSplitsTheLine() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let registry = try files.write("reestr-20250315-02.csv", Data("""
            registry,date,position,payer_tax_id,payer_name,amount,purpose
            20250315-02,15.03.2025,1,207654321,BOG'DOD FERMER XK,7500000.00,Hisob-faktura SF-2025/0150
            20250315-02,15.03.2025,2,208765432,ZARAFSHON BOG'LARI MCHJ,6250000.00,Оплата сч.151 от 05.03.25
            20250316-01,16.03.2025,1,20876,SHORT INN,100.00,
            20250316-09,16.03.2025,1,208765432,ZARAFSHON BOG'LARI MCHJ,1000.00,sch. 151

            """.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: ReconciliationTests.invoices)
            let imported = try await CLITests().crmhub(["import", "payment-registry", registry],
                                                       database: warehouse.settings)
            #expect(imported.status == 3, "\(imported.text)")
            #expect(imported.text.contains("payer_tax_id '20876' is neither an INN"), "\(imported.text)")
            let again = try await CLITests().crmhub(["import", "payment-registry", registry],
                                                    database: warehouse.settings)
            #expect(again.text.contains("already loaded"), "\(again.text)")

            let batch = try await warehouse.client.query("""
                INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
                VALUES ('test', 'agent lines', repeat('c', 64), 0, 'loaded') RETURNING id
                """, logger: TestDatabase.logger).collect().first!.decode(Int64.self)
            // (reference, amount, purpose, end-to-end id): the registry's line, and one whose registry (20250316-09,
            // 1 000.00) does not add up to it.
            let lines: [(String, String, String, String?)] = [
                ("AGENT-02", "13750000.00", "PAYMENT AGENT REESTR 20250315-02 NBOFTXS 2", nil),
                ("AGENT-09", "2000.00", "Payment agent batch", "20250316-09"),
            ]
            for (index, line) in lines.enumerated() {
                try await warehouse.client.query("""
                    INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                        currency, counterparty_inn, counterparty_name, purpose, booked_on, natural_key, occurrence,
                        batch_id, source_line, bank_reference, entry_kind, end_to_end_id)
                    VALUES ('20208000500123456001', 'in', 'test', \(line.0), '2025-03-17'::date, \(line.1)::numeric,
                        'UZS', '200999888', 'TEZ TOLOV AGENT MCHJ', \(line.2), '2025-03-17'::date, gen_random_uuid(),
                        1, \(batch), \(index + 1), \(line.0), 'payment', \(line.3))
                    """, logger: TestDatabase.logger)
            }
            _ = try await ReconciliationTests.reconcile(warehouse)
            let outcomes = try await ReconciliationTests.outcomes(warehouse)
            let split = try #require(outcomes["AGENT-02"])
            #expect(split.0 == "matched" && split.1 == "registry", "\(split)")
            #expect(split.2["SF-2025/0150"]?.1 == "auto" && split.2["SF-2025/0151"]?.1 == "auto")
            let explanation = try await warehouse.client.query("""
                SELECT r.explanation FROM core.payment_reconciliation r
                JOIN core.bank_transactions t ON t.id = r.bank_transaction_id WHERE t.bank_reference = 'AGENT-02'
                """, logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(explanation.contains("in the registry file 20250315-02"), "\(explanation)")
            let whole = try #require(outcomes["AGENT-09"])
            #expect(whole.1 != "registry" && whole.2.isEmpty, "\(whole)")
        }
    }
}
