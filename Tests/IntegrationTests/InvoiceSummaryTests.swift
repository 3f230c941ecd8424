import CRMWarehouse
import Foundation
import Ingest
import PostgresNIO
import Testing

@Suite("mart.invoice_summary")
struct InvoiceSummaryTests {
    @Test("one row per counterparty and currency: amounts in different currencies are never added together")
    func perCurrency() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // Three invoices of 100.00, 200.00 and 300.00 for one counterparty.
        let message = try OneCExchangeTests().longMessage(files, count: 3)
        try await TestDatabase.withFreshWarehouse { warehouse in
            _ = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: message)
            try await warehouse.client.query(
                "UPDATE core.invoices SET currency = 'USD' WHERE number = '0000-000003'", logger: warehouse.logger)
            let rows = try await warehouse.client.query("""
                SELECT currency, invoices::int, invoiced::text FROM mart.invoice_summary
                WHERE inn = '301000001' ORDER BY currency
                """, logger: warehouse.logger).collect().map { try $0.decode((String?, Int, String).self) }
            #expect(rows.map(\.0) == ["USD", "UZS"])
            #expect(rows.map(\.1) == [1, 2])
            #expect(rows.map { Decimal(string: $0.2) } == [Decimal(300), Decimal(300)])
            let report = try await InvoiceSummaryReport.read(warehouse)
            #expect(Set(report.rows.filter { $0.inn == "301000001" }.compactMap(\.currency)) == ["USD", "UZS"])
        }
    }
}
