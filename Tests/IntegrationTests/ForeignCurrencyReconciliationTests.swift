import CRMWarehouse
import Foundation
import HubCore
import Ingest
import PostgresNIO
import Reconciliation
import Testing

/// Dollar invoices paid in sums, end to end through the CLI: the central bank's rates (`fx-rates`), a camt.053
/// statement with the bank's conversion on one line and none on the other, reconciliation in the invoice's
/// currency, the exchange differences kept apart, and the report.
@Suite("foreign currency")
struct ForeignCurrencyReconciliationTests {
    static let repository = ReconciliationTests.repository
    static func sample(_ path: String) -> String { repository.appendingPathComponent(path).path }

    @Test("fx-rates loads, quarantines a bad line, and a repeat changes nothing")
    func ratesFile() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try files.write("rates.csv", Data("""
            date,currency,rate,nominal
            14.03.2025,usd,"12650,37",1
            2025-03-14,JPY,8450.00,100
            2025-03-14,DOLLAR,1,1
            2025-03-17,EUR,-3,1

            """.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await CLITests().crmhub(["import", "fx-rates", path], database: warehouse.settings)
            #expect(first.status == 3, "\(first.text)")
            #expect(first.text.contains("currency 'DOLLAR' is not an ISO 4217 code"), "\(first.text)")
            let rates = try await warehouse.client.query("""
                SELECT currency || ' ' || rate_date || ' ' || rate || '/' || nominal || ' line ' || source_line
                FROM core.fx_rates ORDER BY currency
                """, logger: TestDatabase.logger).collect().map { try $0.decode(String.self) }
            #expect(rates == ["JPY 2025-03-14 8450.00/100 line 3", "USD 2025-03-14 12650.37/1 line 2"])
            let quarantined = try await warehouse.client.query("""
                SELECT position, field FROM ops.quarantine WHERE source_kind = 'fx-rates' ORDER BY position
                """, logger: TestDatabase.logger).collect().map { try $0.decode((Int, String?).self) }
            #expect(quarantined.map(\.0) == [4, 5] && quarantined.map(\.1) == ["currency", "rate"])
            let again = try await CLITests().crmhub(["import", "fx-rates", path], database: warehouse.settings)
            #expect(again.text.contains("already loaded"), "\(again.text)")

            let badHeader = try files.write("bad.csv", Data("day,currency,rate,nominal\n".utf8))
            let refused = try await CLITests().crmhub(["import", "fx-rates", badHeader], database: warehouse.settings)
            #expect(refused.status != 0 && refused.text.contains("missing 'date'"), "\(refused.text)")
        }
    }

    @Test("dollar invoices paid in sums: by the bank's conversion and at the central bank's rate, differences apart")
    func dollarInvoicesPaidInSums() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            for (kind, path) in [("1c-enterprisedata", "samples/1c/Message_BP_CRM_2025-03_usd.xml"),
                                 ("fx-rates", "samples/fx/cbu-2025-03.csv"),
                                 ("bank-camt053", "samples/bank-camt053/2025-03-17_camt053.xml")] {
                let result = try await CLITests().crmhub(["import", kind, Self.sample(path)],
                                                         database: warehouse.settings)
                #expect(result.status == 0, "\(kind): \(result.text)")
            }
            let attributes = try await warehouse.client.query("""
                SELECT attributes->>'instructed_amount', attributes->>'instructed_currency', attributes->>'exchange_rate'
                FROM core.bank_transactions WHERE bank_reference = 'FB250317000101'
                """, logger: TestDatabase.logger).collect().first!.decode((String?, String?, String?).self)
            #expect(attributes.0 == "1000.00" && attributes.1 == "USD" && attributes.2 == "12655.00")

            let reconcile = try await CLITests().crmhub(["reconcile"], database: warehouse.settings)
            #expect(reconcile.status == 0, "\(reconcile.text)")
            let rows = try await warehouse.client.query("""
                SELECT invoice_number, invoice_amount::text, invoice_currency, paid_amount::text, paid_currency,
                       rate_source, round(exchange_rate, 2)::text, exchange_difference::text, status
                FROM mart.exchange_differences ORDER BY invoice_number
                """, logger: TestDatabase.logger).collect()
                .map { try $0.decode((String, String, String, String, String, String, String, String?, String).self) }
            #expect(rows.count == 2)
            // 1 000 USD instructed, 12 655 000 UZS credited (the bank's 12 655.00); issued at 12 600.00 on 3 March,
            // the line worth 12 655 000 at the day's central-bank rate: 55 000 UZS of exchange difference.
            #expect(rows[0].0 == "SF-USD-2025/0007" && rows[0].1 == "1000.00" && rows[0].3 == "12655000.00")
            #expect(rows[0].5 == "bank" && rows[0].6 == "12655.00" && rows[0].7 == "55000.00" && rows[0].8 == "auto")
            // 6 326 000 UZS at the 17 March rate 12 652.00 is 500.00 USD; issued on 10 March at 12 628.45.
            #expect(rows[1].0 == "SF-USD-2025/0008" && rows[1].1 == "500.00" && rows[1].3 == "6326000.00")
            #expect(rows[1].5 == "central_bank" && rows[1].6 == "12652.00" && rows[1].7 == "11775.00")
            let status = try await warehouse.client.query("""
                SELECT string_agg(invoice_number || ' ' || status || ' ' || outstanding, ', ' ORDER BY invoice_number)
                FROM mart.invoice_status WHERE currency = 'USD'
                """, logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(status == "SF-USD-2025/0007 paid 0.00, SF-USD-2025/0008 paid 0.00")

            // The workbook: the Matched sheet in the line's sums (it ties to the statement), the differences apart.
            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-17")!,
                                                             to: CalendarDate(isoDate: "2025-03-17")!)
            let matched = try #require(report.sheets.first { $0.name == "Matched" })
            #expect(matched.rows.compactMap { $0[8] }.sorted() == ["12655000.00", "6326000.00"])
            let totals = try #require(report.totals.first { $0.currency == "UZS" })
            #expect(totals.matched == 18_981_000 && totals.matchedRows == 18_981_000 && totals.unmatched == 0)
            let differences = try #require(report.sheets.first { $0.name == "Exchange differences" })
            #expect(differences.rows.count == 2)

            let before = try await warehouse.client.query(
                "SELECT string_agg(id || ':' || updated_at, ',' ORDER BY id) FROM core.payment_allocations",
                logger: TestDatabase.logger).collect().first!.decode(String.self)
            _ = try await CLITests().crmhub(["reconcile"], database: warehouse.settings)
            let after = try await warehouse.client.query(
                "SELECT string_agg(id || ':' || updated_at, ',' ORDER BY id) FROM core.payment_allocations",
                logger: TestDatabase.logger).collect().first!.decode(String.self)
            #expect(before == after, "a rerun changed allocations")
        }
    }
}
