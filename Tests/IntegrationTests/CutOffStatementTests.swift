import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// An interrupted download: the statement stops in the middle of its last document.
@Suite("a cut-off bank-1c statement")
struct CutOffStatementTests {
    @Test("its complete documents load, the cut-off one is quarantined (exit 3); the whole file later adds it once")
    func cutOffThenWhole() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let documents = StatementFiles.incoming(number: "1", amount: "100.00")
            + StatementFiles.incoming(number: "2", amount: "200.00")
            + StatementFiles.incoming(number: "3", amount: "300.00")
        let whole = StatementFiles.header() + documents + ["КонецФайла"]
        // Stopped after the third document's purpose line: no КонецДокумента, no КонецФайла.
        let cut = Array(whole.dropLast(2))
        let cutPath = try files.write("kl_to_1c_cut.txt", StatementFiles.encode(cut))
        let wholePath = try files.write("kl_to_1c.txt", StatementFiles.encode(whole))
        let thirdStarts = StatementFiles.header().count + 2 * StatementFiles.incoming(number: "1", amount: "1").count + 1
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await CLITests().crmhub(["import", "bank-1c", cutPath], database: warehouse.settings)
            #expect(first.status == 3, "\(first.text)")
            #expect(first.text.contains("read 3, loaded 2, duplicates 0, quarantined 1"), "\(first.text)")
            #expect(first.text.contains("kl_to_1c_cut.txt:\(thirdStarts): the file ends inside this document"),
                    "\(first.text)")
            let quarantined = try await warehouse.client.query("""
                SELECT position, record_kind, reason, raw FROM ops.quarantine
                """, logger: warehouse.logger).collect().map { try $0.decode((Int, String, String, String).self) }
            #expect(quarantined.count == 1)
            #expect(quarantined.first?.0 == thirdStarts && quarantined.first?.1 == "document")
            #expect(quarantined.first?.3.contains("Номер=3") == true)

            let second = try await CLITests().crmhub(["import", "bank-1c", wholePath], database: warehouse.settings)
            #expect(second.status == 0, "\(second.text)")
            #expect(second.text.contains("read 3, loaded 1, duplicates 2, quarantined 0"), "\(second.text)")
            let numbers = try await warehouse.client.query(
                "SELECT doc_number FROM core.bank_transactions ORDER BY doc_number", logger: warehouse.logger
            ).collect().map { try $0.decode(String.self) }
            #expect(numbers == ["1", "2", "3"])
        }
    }
}
