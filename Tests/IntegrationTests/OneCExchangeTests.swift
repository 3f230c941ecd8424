import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import Mapping
import PostgresNIO
import Synchronization
import ZIPFoundation
import Testing

@Suite("1C exchange against a real PostgreSQL")
struct OneCExchangeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ConnectorsTests/Fixtures").standardized
    static let sample = fixtures.appendingPathComponent("enterprisedata_message.xml").path

    func value<T: PostgresDecodable>(_ warehouse: Warehouse, _ sql: String, as: T.Type = Int.self) async throws -> T {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: warehouse.logger)
            .collect().first!.decode(T.self)
    }

    func importED(_ warehouse: Warehouse, _ path: String) async throws -> OneCImportResult {
        try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM").importFile(path: path)
    }

    /// The sample message with its number, invoice amount and extra body objects changed.
    func message(_ files: TemporaryFiles, name: String, number: Int, amount: String = "45600000.00",
                 extra: String = "") throws -> String {
        var text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        text = text.replacingOccurrences(of: "<msg:MessageNo>42</msg:MessageNo>",
                                         with: "<msg:MessageNo>\(number)</msg:MessageNo>")
        text = text.replacingOccurrences(of: "<Сумма>45600000.00</Сумма>\n\t\t\t<Контрагент>",
                                         with: "<Сумма>\(amount)</Сумма>\n\t\t\t<Контрагент>")
        text = text.replacingOccurrences(of: "\t</Body>", with: extra + "\t</Body>")
        return try files.write(name, Data(text.utf8))
    }

    /// A message of `count` invoices (numbered from `first`) for one counterparty named only inside them (as
    /// "ООО Ранний"), then its catalogue entry with a new name, then a payment for invoice 1: references that
    /// cross chunks. Invoices numbered in `changed` carry 1.00 more than the others.
    func longMessage(_ files: TemporaryFiles, count: Int, first: Int = 1, messageNo: Int = 7,
                     changed: ClosedRange<Int> = 0...0, numbers: [Int]? = nil) throws -> String {
        let party = "<Ссылка>0000000a-0000-4000-8000-000000000001</Ссылка><ИНН>301000001</ИНН>"
            + "<ЮридическоеФизическоеЛицо>ЮридическоеЛицо</ЮридическоеФизическоеЛицо>"
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">
            <msg:Header><msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17</msg:Format>
            <msg:CreationDate>2026-11-01T10:00:00</msg:CreationDate><msg:Confirmation><msg:To>CRM</msg:To>
            <msg:From>BP</msg:From><msg:MessageNo>\(messageNo)</msg:MessageNo><msg:ReceivedNo>0</msg:ReceivedNo>
            </msg:Confirmation></msg:Header>
            <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">

            """
        func ref(_ n: Int) -> String { "0000000b-0000-4000-8000-" + String(format: "%012d", n) }
        for n in numbers ?? Array(first..<(first + count)) {
            let amount = "\(n * 100 + (changed.contains(n) ? 1 : 0)).00"
            text += """
                <Документ.СчетПокупателю><КлючевыеСвойства><Ссылка>\(ref(n))</Ссылка>
                <Дата>2026-10-01T12:00:00</Дата><Номер>0000-\(String(format: "%06d", n))</Номер></КлючевыеСвойства>
                <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>\(amount)</Сумма>
                <Контрагент>\(party)<Наименование>ООО Ранний</Наименование></Контрагент>
                <Товары><Строка><НомерСтрокиДокумента>1</НомерСтрокиДокумента><Номенклатура><Наименование>Услуга
                </Наименование></Номенклатура><Количество>1</Количество><Сумма>\(amount)</Сумма></Строка></Товары>
                <Комментарий>\(String(repeating: "строка для объёма ", count: 20))</Комментарий>
                </Документ.СчетПокупателю>

                """
        }
        text += """
            <Справочник.Контрагенты><КлючевыеСвойства>\(party)<Наименование>ООО Итоговое</Наименование>
            </КлючевыеСвойства></Справочник.Контрагенты>
            <Документ.ПБДСРасчетыСКонтрагентами><КлючевыеСвойства><Ссылка>0000000c-0000-4000-8000-000000000001</Ссылка>
            <Дата>2026-11-01T00:00:00</Дата><Номер>0000-000001</Номер></КлючевыеСвойства>
            <ОбщиеДанные><Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта>
            <Сумма>100.00</Сумма></ОбщиеДанные><Контрагент>\(party)</Контрагент>
            <РасшифровкаПлатежа><Строка><Сумма>100.00</Сумма><ДокументРасчетов><Ссылка>\(ref(1))</Ссылка>
            </ДокументРасчетов></Строка></РасшифровкаПлатежа></Документ.ПБДСРасчетыСКонтрагентами>
            </Body></Message>

            """
        return try files.write("Message_BP_CRM_long_\(messageNo).xml", Data(text.utf8))
    }

    @Test("a message applied in many chunks loads as if read whole; raw keeps each object's exact text")
    func manyChunks() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try longMessage(files, count: 3_000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.count > 3 << 20, "the file must span several 1 MiB reads")
        try await TestDatabase.withFreshWarehouse { warehouse in
            // A 1-byte threshold: every 1 MiB read of the file is applied on its own.
            let importer = OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM", chunkBytes: 1)
            let result = try await importer.importFile(path: path)
            let summary = try #require(result.summary)
            #expect(summary.invoices.inserted == 3_000 && summary.payments.inserted == 1 && summary.quarantined == 0)
            #expect(summary.counterparties.inserted == 1)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM raw.onec_message_chunks") >= 4)
            #expect(try await value(warehouse, "SELECT sum(byte_length)::int FROM raw.onec_message_chunks") == bytes.count)
            // One counterparty for every invoice; the catalogue entry that came last named it.
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.counterparties") == 1)
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM core.invoices i JOIN core.counterparties c ON c.id = i.counterparty_id
                """) == 3_000)
            #expect(try await value(warehouse, "SELECT name FROM core.counterparties", as: String.self) == "ООО Итоговое")
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoice_lines") == 3_000)
            // The payment at the end found invoice 1, applied chunks earlier.
            #expect(try await value(warehouse, """
                SELECT i.number FROM core.payments_1c p JOIN core.invoices i ON i.id = p.invoice_id
                """, as: String.self) == "0000-000001")
            // Raw: every object's byte range gives back exactly its text from the file.
            let ranges = try await warehouse.client.query("""
                SELECT byte_offset, byte_length, raw.onec_object_xml(batch_id, byte_offset, byte_length)
                FROM raw.onec_objects ORDER BY id
                """, logger: warehouse.logger).collect()
            #expect(ranges.count == 3_002)
            for row in ranges.enumerated() where [0, 1_499, 3_000, 3_001].contains(row.offset) {
                let (offset, length, text) = try row.element.decode((Int64, Int, String).self)
                let slice = String(decoding: bytes[Int(offset)..<Int(offset) + length], as: UTF8.self)
                #expect(slice.trimmingCharacters(in: .whitespacesAndNewlines) == text)
                #expect(text.hasPrefix("<") && text.hasSuffix(">"))
            }
            // The same message again is known by its number, before anything is read; nothing doubles.
            let again = try await importer.importFile(path: path)
            if case .alreadyAccepted = again.outcome {} else { Issue.record("the same file must be recognised") }
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoices") == 3_000)
        }
    }

    @Test("new invoices go straight into core; a chunk holding invoices loaded before is upserted instead")
    func newAndKnownInvoices() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            // Small chunks: the second message's first chunks hold only known invoices, then one mixes known
            // and new, the rest are new.
            let importer = OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM",
                                        chunkBytes: 32 << 10)
            let first = try await importer.importFile(path: try longMessage(files, count: 1_000))
            #expect(first.summary?.invoices.inserted == 1_000)
            let second = try await importer.importFile(
                path: try longMessage(files, count: 1_000, first: 501, messageNo: 8, changed: 501...750))
            guard let summary = second.summary else {
                Issue.record("expected a load, got \(second.outcome)")
                return
            }
            #expect(summary.invoices.inserted == 500 && summary.invoices.updated == 250
                        && summary.invoices.unchanged == 250)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoices") == 1_500)
            #expect(try await value(warehouse, "SELECT count(DISTINCT source_ref)::int FROM core.invoices") == 1_500)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoice_lines") == 1_500)
            // Changed invoices carry their new lines; new ones point at their counterparty, named as they name it.
            #expect(try await value(warehouse, """
                SELECT l.amount::text FROM core.invoice_lines l JOIN core.invoices i ON i.id = l.invoice_id
                WHERE i.number = '0000-000501'
                """, as: String.self) == "50101.00")
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM core.invoices i JOIN core.counterparties c ON c.id = i.counterparty_id
                WHERE i.batch_id = \(summary.batchID) AND i.counterparty_inn = '301000001'
                  AND i.counterparty_name = 'ООО Ранний'
                """) == 750)
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM core.invoice_lines l LEFT JOIN core.invoices i ON i.id = l.invoice_id
                WHERE i.id IS NULL
                """) == 0)
            // New invoices ahead of known ones in one chunk: the rows already copied into core are rolled
            // back with the failed attempt, and the chunk is upserted whole.
            let third = try await OneCImporter(warehouse: warehouse, format: .enterpriseData, ourNode: "CRM")
                .importFile(path: try longMessage(files, count: 0, messageNo: 9, numbers: Array(2_001...2_010) + [1, 2]))
            #expect(third.summary?.invoices.inserted == 10 && third.summary?.invoices.unchanged == 2)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoices") == 1_510)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoice_lines") == 1_510)
        }
    }

    @Test("import → modify → delete → resend (ignored by number) → export → parse our export back; a preview records nothing")
    func exchangeLifecycle() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await importED(warehouse, Self.sample)
            #expect(first.summary?.counterparties.inserted == 1 && first.summary?.invoices.inserted == 1)
            #expect(first.summary?.payments.inserted == 1 && first.summary?.skipped == 3)
            #expect(first.summary?.deletionsUnknown == 1)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM raw.onec_objects") == 7)
            #expect(try await value(warehouse, "SELECT received_no::int FROM ops.exchange_nodes WHERE peer_node = 'BP'") == 42)

            // 1C modifies the invoice and resends: the row is updated, both versions stay in raw.
            let modified = try message(files, name: "m43.xml", number: 43, amount: "50000000.00")
            let second = try await importED(warehouse, modified)
            #expect(second.summary?.invoices.updated == 1 && second.summary?.payments.unchanged == 1)
            #expect(try await value(warehouse, "SELECT amount::text FROM core.invoices", as: String.self) == "50000000.00")
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM raw.onec_objects WHERE source_ref = '2b7e0c44-fb10-11ee-b7a1-005056a1c0de'
                """) == 2)

            // The same number again (a resend 1C made before it saw our confirmation): not applied.
            let resent = try message(files, name: "m43-again.xml", number: 43, amount: "1.00")
            guard case .alreadyAccepted(_, 43, 43) = try await importED(warehouse, resent).outcome else {
                Issue.record("message 43 must be recognised as already accepted")
                return
            }
            #expect(try await value(warehouse, "SELECT amount::text FROM core.invoices", as: String.self) == "50000000.00")

            // 1C deletes the invoice: a mark, applied after the message; the row stays.
            let deletion = """
                <УдалениеОбъекта><СсылкаНаОбъект><СсылкаНаОбъект>
                <СчетПокупателюСсылка>2b7e0c44-fb10-11ee-b7a1-005056a1c0de</СчетПокупателюСсылка>
                </СсылкаНаОбъект></СсылкаНаОбъект></УдалениеОбъекта>
                """
            var text = try String(contentsOfFile: Self.sample, encoding: .utf8)
            let bodyStart = text.range(of: "<Body")!.lowerBound
            let bodyOpenEnd = text[bodyStart...].firstIndex(of: ">")!
            let bodyEnd = text.range(of: "</Body>")!.lowerBound
            text.replaceSubrange(text.index(after: bodyOpenEnd)..<bodyEnd, with: deletion)
            text = text.replacingOccurrences(of: "<msg:MessageNo>42</msg:MessageNo>", with: "<msg:MessageNo>44</msg:MessageNo>")
            let deleting = try await importED(warehouse, try files.write("m44.xml", Data(text.utf8)))
            #expect(deleting.summary?.deletionsApplied == 1)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoices WHERE deleted") == 1)

            // The CRM adds a client and an invoice; the export carries them with the next number.
            try await warehouse.client.query("""
                INSERT INTO core.counterparties (source_ref, inn, name, is_legal_entity)
                VALUES ('7a1d0000-0000-4000-8000-00000000c001', '309166181', 'ООО «Бахор & Ко»', true)
                """, logger: warehouse.logger)
            try await warehouse.client.query("""
                INSERT INTO core.invoices (source_ref, number, issued_on, counterparty_id, counterparty_inn, amount, currency)
                SELECT '7a1d0000-0000-4000-8000-00000000a001', 'CRM-005123', DATE '2026-11-20', id, inn, 1250000.50, 'UZS'
                FROM core.counterparties WHERE inn = '309166181'
                """, logger: warehouse.logger)
            try await warehouse.client.query("""
                INSERT INTO core.invoice_lines (invoice_id, kind, line_no, item_name, quantity, price, amount)
                SELECT id, 'services', 1, 'Внедрение <CRM>', 1, 1250000.50, 1250000.50 FROM core.invoices
                WHERE number = 'CRM-005123'
                """, logger: warehouse.logger)
            let store = OneCExportStore(warehouse: warehouse)
            let folder = files.directory
            let written = Mutex<OneCExportContent?>(nil)
            let receipt = try await store.export(peer: "BP", ourNode: "CRM", organization: nil) { content in
                written.withLock { $0 = content }
                let path = folder + "/Message_CRM_BP.xml"
                let writer = try EnterpriseDataWriter(path: path)
                try writer.begin(.init(from: "CRM", to: "BP", messageNo: content.messageNo, receivedNo: content.receivedNo))
                for counterparty in content.counterparties { try writer.counterparty(counterparty) }
                for invoice in content.invoices { try writer.invoice(invoice) }
                try writer.finish()
                return path
            }
            #expect(receipt.messageNo == 1 && receipt.receivedNo == 44)
            #expect(receipt.counterparties == 1 && receipt.invoices == 1)
            let content = try #require(written.withLock { $0 })
            // Our organisation, as 1C named it in its invoice, goes on ours.
            #expect(content.invoices.first?.header.organization?.inn == "305418726")

            // Our file parses back to exactly what the warehouse holds.
            let records = try EnterpriseDataMessageFile.records(path: receipt.fileName)
            let rows = records.compactMap { record -> OneCRow? in
                guard case .object(let object) = record, case .mapped(let row, _) = EnterpriseDataMapper.map(object)
                else { return nil }
                return row
            }
            guard case .counterparty(var counterparty) = rows.first, case .invoice(var invoice) = rows.last else {
                Issue.record("expected a counterparty and an invoice")
                return
            }
            counterparty.position = content.counterparties[0].position
            invoice.header.position = content.invoices[0].header.position
            #expect(counterparty == content.counterparties[0])
            #expect(invoice == content.invoices[0])

            // A preview is the next message as it would be, and records nothing: twice the same number.
            for _ in 0..<2 {
                let preview = try await store.export(peer: "BP", ourNode: "CRM", organization: nil, preview: true) { _ in
                    "preview"
                }
                #expect(preview.messageNo == 2 && preview.invoices == 1 && preview.counterparties == 1)
            }
            // Not acknowledged yet: the next export sends the same changes again, numbered 2.
            let again = try await store.export(peer: "BP", ourNode: "CRM", organization: nil) { _ in "unused" }
            #expect(again.messageNo == 2 && again.invoices == 1)
            // 1C confirms message 2 (ReceivedNo 2 in its message 45): nothing left to send.
            var confirming = try String(contentsOfFile: Self.sample, encoding: .utf8)
            confirming = confirming.replacingOccurrences(of: "<msg:MessageNo>42</msg:MessageNo>", with: "<msg:MessageNo>45</msg:MessageNo>")
                .replacingOccurrences(of: "<msg:ReceivedNo>17</msg:ReceivedNo>", with: "<msg:ReceivedNo>2</msg:ReceivedNo>")
            _ = try await importED(warehouse, try files.write("m45.xml", Data(confirming.utf8)))
            let after = try await store.export(peer: "BP", ourNode: "CRM", organization: nil) { _ in "unused" }
            #expect(after.messageNo == 3 && after.invoices == 0 && after.counterparties == 0 && after.receivedNo == 45)
            // 1C's own load did not make its rows "changed on the CRM side".
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.invoices WHERE origin = '1c'") == 1)
        }
    }

    @Test("a bad object is quarantined with its XML path and line; the rest loads")
    func quarantine() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let bad = """
                <Документ.СчетПокупателю><КлючевыеСвойства><Ссылка>bad-1</Ссылка><Дата>2026-13-01</Дата>
                <Номер>9</Номер></КлючевыеСвойства></Документ.СчетПокупателю>
                <Документ.РеализацияТоваровУслуг><КлючевыеСвойства><Ссылка>ship-1</Ссылка><Дата>2026-01-02</Дата>
                <Номер>5</Номер></КлючевыеСвойства>
                <Валюта><ДанныеКлассификатора><Код>860</Код></ДанныеКлассификатора></Валюта><Сумма>10</Сумма>
                <Контрагент><ИНН>207654321</ИНН><Наименование>Чирчик</Наименование></Контрагент>
                <СчетПокупателю><Ссылка>no-such-invoice</Ссылка><Номер>77</Номер></СчетПокупателю>
                </Документ.РеализацияТоваровУслуг>

                """
            let result = try await importED(warehouse, try message(files, name: "bad.xml", number: 1, extra: bad))
            #expect(result.summary?.quarantined == 2 && result.summary?.invoices.inserted == 1)
            let rows = try await warehouse.client.query("""
                SELECT position, path, reason FROM ops.quarantine ORDER BY position
                """, logger: warehouse.logger).collect().map { try $0.decode((Int, String, String).self) }
            #expect(rows.count == 2)
            #expect(rows[0].1 == "Message/Body/Документ.СчетПокупателю[8]/КлючевыеСвойства/Дата")
            #expect(rows[0].2.contains("is not a date") && rows[0].0 > 270)
            #expect(rows[1].1 == "Message/Body/Документ.РеализацияТоваровУслуг[9]")
            #expect(rows[1].2.hasPrefix("unresolved reference"))
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.shipments") == 0)
        }
    }

    @Test("malformed XML applies nothing and names the line")
    func malformedMessage() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let path = try message(files, name: "broken.xml", number: 1, extra: "<Справочник.Контрагенты><Ссылка>x</Справочник.Контрагенты>\n")
            let error = await #expect(throws: HubError.self) { _ = try await importED(warehouse, path) }
            #expect(error?.location?.line != nil && error?.message.contains("column") == true)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.counterparties") == 0)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'failed'") == 1)
        }
    }

    @Test("CommerceML and EnterpriseData name the same company: one counterparty per INN; zipped messages load")
    func oneRowPerINN() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let zipPath = files.directory + "/Message_BP_CRM.zip"
            let archive = try Archive(url: URL(fileURLWithPath: zipPath), accessMode: .create)
            try archive.addEntry(with: "Message_BP_CRM.xml", fileURL: URL(fileURLWithPath: Self.sample))
            let zipped = try await importED(warehouse, zipPath)
            #expect(zipped.summary?.invoices.inserted == 1)
            let cmlPath = Self.fixtures.appendingPathComponent("commerceml_documents.xml").path
            let cml = try await OneCImporter(warehouse: warehouse, format: .commerceML).importFile(path: cmlPath)
            #expect(cml.summary?.invoices.inserted == 1 && cml.summary?.payments.inserted == 1)
            // Hashed while parsed: the batch keeps the file's SHA-256, and the same bytes again (no message
            // number to go by) are recognised at the end of the load and rolled back whole.
            let sha256 = try SourceFileScan.hash(path: cmlPath).sha256
            #expect(try await value(warehouse, """
                SELECT content_sha256 FROM ops.batches WHERE id = \(cml.summary?.batchID ?? 0)
                """, as: String.self) == sha256)
            let cmlAgain = try await OneCImporter(warehouse: warehouse, format: .commerceML).importFile(path: cmlPath)
            guard case .alreadyLoaded(let batchID, _) = cmlAgain.outcome, batchID == cml.summary?.batchID else {
                Issue.record("expected alreadyLoaded, got \(cmlAgain.outcome)")
                return
            }
            #expect(try await value(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'") == 2)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM raw.onec_messages") == 2)
            #expect(try await value(warehouse, "SELECT count(*)::int FROM core.counterparties") == 1)
            #expect(try await value(warehouse, """
                SELECT count(*)::int FROM core.payments_1c p JOIN core.invoices i ON i.id = p.invoice_id
                WHERE i.number = 'CRM-000452'
                """) == 1)
        }
    }
}
