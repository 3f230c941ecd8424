import CRMWarehouse
import Connectors
import Foundation
import HubCore
import PostgresNIO
import Testing

import Reconciliation
import Reports

/// Reports cannot be turned against their reader: formula starters from data are written as text in every CSV,
/// amounts stay numbers, and a text too long for an Excel cell is cut rather than failing the workbook.
@Suite("report safety")
struct ReportSafetyTests {
    /// Names that Excel would evaluate (or hide a formula behind) at the start of a cell.
    static let hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    static let account = "20208000500123456001"

    /// A batch, counterparties and invoices with hostile names, incoming payments from payers with those names
    /// (and those purposes) on 2025-03-20, and that day's balance opening at -1500.00.
    static func load(_ warehouse: Warehouse, purpose: ((Int) -> String)? = nil) async throws {
        let logger = TestDatabase.logger
        let batch = try await warehouse.client.query("""
            INSERT INTO ops.batches (source_kind, source_name, content_sha256, content_bytes, status)
            VALUES ('test', 'hostile names', repeat('c', 64), 0, 'loaded') RETURNING id
            """, logger: logger).collect().first!.decode(Int64.self)
        for (index, name) in hostile.enumerated() {
            let inn = "30000000\(index)"
            let number = "SF-2025/09\(index)"
            try await warehouse.client.query("""
                WITH c AS (INSERT INTO core.counterparties (inn, name) VALUES (\(inn), \(name)) RETURNING id)
                INSERT INTO core.invoices (number, issued_on, counterparty_id, counterparty_inn, counterparty_name,
                                           amount, currency)
                SELECT \(number), '2025-03-10', id, \(inn), \(name), 1000, 'UZS' FROM c
                """, logger: logger)
            let reference = "HOSTILE-\(index)"
            let text = purpose?(index) ?? name
            try await warehouse.client.query("""
                INSERT INTO core.bank_transactions (account, direction, doc_kind, doc_number, doc_date, amount,
                    currency, counterparty_name, purpose, booked_on, natural_key, occurrence, batch_id, source_line,
                    bank_reference, entry_kind)
                VALUES (\(account), 'in', 'test', \(reference), '2025-03-20', \("100.00")::numeric, 'UZS', \(name), \(text),
                        '2025-03-20', gen_random_uuid(), 1, \(batch), \(index + 1), \(reference), 'payment')
                """, logger: logger)
        }
        let credited = 100 * hostile.count
        try await warehouse.client.query("""
            INSERT INTO core.bank_balances (account, date, period_end, opening, credited, debited, closing, currency,
                                            batch_id, source_line)
            VALUES (\(account), '2025-03-20', '2025-03-20', -1500.00, \(credited), 0, -1500.00 + \(credited), 'UZS',
                    \(batch), 100)
            """, logger: logger)
    }

    static func rows(_ path: String) throws -> [[String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.prefix(3) == Data([0xEF, 0xBB, 0xBF]), "\(path) starts with a byte-order mark")
        return CSVText.rows(String(decoding: data.dropFirst(3), as: UTF8.self))
    }

    /// The cells of `column` (by header title) below the header.
    static func column(_ title: String, of rows: [[String]]) throws -> [String] {
        let index = try #require(rows.first?.firstIndex(of: title), "no column \(title) in \(rows.first ?? [])")
        return rows.dropFirst().map { index < $0.count ? $0[index] : "" }
    }

    @Test("formula starters in names come out behind a quote in every CSV report; a negative amount stays a number")
    func formulaStartersInEveryCSV() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await Self.load(warehouse)
            let protected = Set(Self.hostile.map { "'" + $0 })

            let invoices = files.directory + "/reports/2025-03-20/invoices.csv"
            #expect(try await ReportWriter.write("invoice-summary", to: invoices, warehouse: warehouse) == 6)
            let invoiceRows = try Self.rows(invoices)
            #expect(Set(try Self.column("counterparty", of: invoiceRows)) == protected)
            #expect(try Self.column("invoiced", of: invoiceRows).allSatisfy { $0 == "1000" || $0 == "1000.00" })

            let parties = files.directory + "/top-counterparties.csv"
            _ = try await ReportWriter.write("top-counterparties", to: parties, warehouse: warehouse)
            #expect(Set(try Self.column("counterparty", of: try Self.rows(parties))) == protected)

            let days = files.directory + "/bank-days.csv"
            _ = try await ReportWriter.write("bank-days", to: days, warehouse: warehouse)
            let dayRows = try Self.rows(days)
            #expect(try Self.column("opening", of: dayRows) == ["-1500.00"])
            #expect(try Self.column("closing", of: dayRows) == ["-900.00"])
            #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: days)), as: UTF8.self)
                        .contains(",-1500.00,600.00,0,-900.00,6,yes\r\n"))

            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let folder = files.directory + "/reconciliation"
            try ReconciliationReportFile.write(report, format: .csv, to: folder)
            let unmatched = try Self.rows(folder + "/unmatched-payments.csv")
            // The last row is the totals row.
            #expect(Set(try Self.column("Payer", of: unmatched).dropLast()) == protected)
            #expect(Set(try Self.column("Purpose", of: unmatched).dropLast()) == protected)
            #expect(try Self.column("Amount", of: unmatched) == Array(repeating: "100.00", count: 6) + [""])
            #expect(try Self.column("Not allocated", of: unmatched) == Array(repeating: "100.00", count: 6) + ["600.00"])
            let unpaid = try Self.rows(folder + "/unpaid-invoices.csv")
            #expect(Set(try Self.column("Client", of: unpaid).dropLast()) == protected)

            // No file of the folder has a cell that starts with a formula starter.
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                for row in try Self.rows(folder + "/" + name) {
                    for cell in row where cell.unicodeScalars.first.map(CSVText.formulaStarters.contains) == true {
                        #expect(Double(cell) != nil, "\(name): live formula \(cell.debugDescription)")
                    }
                }
            }
        }
    }

    @Test("a reviewed CSV whose decisions came back quoted ('-, '+) is still read as reject and confirm")
    func quotedDecisionsReadBack() throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let sheet = CSVText.line(["Kind", "Id", "Payer", "Decision"].map(CSVCell.text))
            + CSVText.line([.text("allocation"), .number("7"), .text("=HYPERLINK(\"http://x\",\"y\")"), .text("-")])
            + CSVText.line([.text("advance"), .number("8"), .text("-2+3"), .text("+")])
        #expect(sheet.contains(",'-\r\n") && sheet.contains(",'+\r\n"))
        let path = try files.write("to-review.csv", Data(("\u{FEFF}" + sheet).utf8))
        let decisions = try ReconciliationReportFile.readDecisions(path: path)
        #expect(decisions == [
            .init(target: .allocation(7), action: .reject, row: 2),
            .init(target: .advance(8), action: .confirm, row: 3),
        ])
    }

    @Test("the reviewed CSV folder of a real report reads back its ids and decisions, quoted or not")
    func reviewedFolderReadsBack() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await ReconciliationTests.prepare(warehouse)
            _ = try await ReconciliationTests.reconcile(warehouse)
            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let folder = files.directory + "/csv"
            try ReconciliationReportFile.write(report, format: .csv, to: folder)
            let sheet = folder + "/to-review.csv"
            var rows = try Self.rows(sheet)
            let kinds = try Self.column("Kind", of: rows)
            let ids = try Self.column("Id", of: rows)
            try #require(kinds.count >= 2)
            let decision = try #require(rows[0].firstIndex(of: ReconciliationReport.decisionColumn))
            // Confirm the first row with "+", reject the others with "-": written back the way CRMHub writes.
            for index in rows.indices.dropFirst() { rows[index][decision] = index == 1 ? "+" : "-" }
            let text = "\u{FEFF}" + rows.map { row in CSVText.line(row.map(CSVCell.text)) }.joined()
            #expect(text.contains(",'+\r\n") && text.contains(",'-\r\n"))
            try Data(text.utf8).write(to: URL(fileURLWithPath: sheet))

            let decisions = try ReconciliationReportFile.readDecisions(path: folder)
            #expect(decisions.count == kinds.count)
            for (offset, reviewed) in decisions.enumerated() {
                let id = try #require(Int64(ids[offset]))
                #expect(reviewed.target == (kinds[offset] == "allocation" ? .allocation(id) : .advance(id)))
                #expect(reviewed.action == (offset == 0 ? .confirm : .reject))
                #expect(reviewed.row == offset + 2)
            }
            let imported = try await CLITests().crmhub(["reconcile", "import", folder, "--by", "dilnoza"],
                                                       database: warehouse.settings)
            #expect(imported.status == 0, "\(imported.text)")
            #expect(imported.text.contains("1 confirmed, \(kinds.count - 1) rejected"), "\(imported.text)")
        }
    }

    @Test("a payment with a 1 MB purpose still yields the reconciliation workbook, its purpose cut with a marker")
    func megabytePurpose() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let long = String(repeating: "Оплата по счёту ", count: 65_536)
            try await Self.load(warehouse, purpose: { $0 == 0 ? long : "short" })
            let report = try await ReconciliationReport.read(warehouse, from: CalendarDate(isoDate: "2025-03-01")!,
                                                             to: CalendarDate(isoDate: "2025-03-31")!)
            let path = files.directory + "/reconciliation.xlsx"
            try ReconciliationReportFile.write(report, format: .xlsx, to: path)
            let rows = try XLSXWorkbookReader(path: path).rows(ofSheet: "Unmatched payments")
            let purposes = try Self.column("Purpose", of: rows)
            let cut = try #require(purposes.first { $0.count > 100 })
            #expect(cut.utf16.count == 32_767)
            #expect(cut.hasSuffix(" … [cut: 1048576 characters; the full text is in the warehouse]"))
            #expect(long.hasPrefix(String(cut.prefix(1000))))
            #expect(purposes.filter { $0 == "short" }.count == 5)
        }
    }
}
