import CLibXML2
import CRMWarehouse
import Connectors
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HubCore
import Logging

/// The 1C exchange benchmark: an EnterpriseData message of N invoices (2 lines each, 2,000 counterparties),
/// parsed by each candidate parser and imported into a fresh warehouse, against `xmllint --stream --noout`
/// over the same file in the same run.
///
///   .build/release/CRMHubBenchmarks --xml-invoices 500000 [--rounds R] [--out DIR]
enum XMLBenchmark {
    static func run(invoices: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let (outDirectory, crmhub, logger) = (context.outDirectory, context.crmhub, context.logger)
        let path = outDirectory + "/Message_BP_CRM_\(invoices).xml"
        if !FileManager.default.fileExists(atPath: path) {
            say("generating an EnterpriseData message with \(invoices) invoices…")
            try generate(invoices: invoices, path: path)
        }
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        let megabytes = bytes / 1_000_000
        say(String(format: "  %.1f MB", megabytes))
        guard let xmllint = findTool("xmllint") else {
            throw HubError(.configuration, "xmllint not found on PATH (apt-get install -y libxml2-utils)")
        }

        let settings = context.settings
        var lint: [Double] = [], reader: [Double] = [], textReader: [Double] = [], foundation: [Double] = []
        var imports: [Double] = []
        var peakRSS = 0
        for round in 1...rounds {
            let linted = try ChildProcess.run(xmllint, ["--stream", "--noout", path])
            guard linted.status == 0 else { throw HubError(.io, "xmllint failed: \(linted.text)") }
            lint.append(linted.seconds)
            reader.append(try time { try countRecords(path) })
            textReader.append(try time { try countWithTextReader(path) })
            foundation.append(try time { try countWithFoundation(path) })

            try await context.recreateDatabase()
            _ = try await Warehouse.open(settings, logger: logger) { try await Migrator.bundled().migrate($0) }
            let run = try ChildProcess.run(crmhub, context.importArguments("1c-enterprisedata", path),
                                           environment: ["DATABASE_URL": settings.urlWithCredentials])
            guard run.status == 0 else { say(run.text); throw HubError(.io, "crmhub import failed") }
            let loaded = try await Warehouse.open(settings, logger: logger) { warehouse in
                try await warehouse.client.query("SELECT count(*)::int FROM core.invoices", logger: logger)
                    .collect().first!.decode(Int.self)
            }
            guard loaded == invoices else { throw HubError(.io, "loaded \(loaded) invoices, expected \(invoices)") }
            imports.append(run.seconds)
            peakRSS = max(peakRSS, run.maxRSSBytes)
            say(String(format: "round %d: xmllint --stream %.2f s | CRMHub SAX reader %.2f s | xmlTextReader %.2f s | "
                        + "Foundation XMLParser %.2f s | crmhub import %.2f s (peak RSS %.0f MB)", round,
                       linted.seconds, reader.last!, textReader.last!, foundation.last!, run.seconds,
                       Double(run.maxRSSBytes) / 1_048_576))
        }
        func rate(_ seconds: [Double]) -> Double { megabytes / median(seconds) }
        say(String(format: """

            1c-enterprisedata benchmark (%d invoices, %.1f MB, median of %d rounds)
              xmllint --stream --noout     : %6.1f MB/s
              parsers alone (records built or nodes visited, no database):
                CRMHub reader (libxml2 SAX2): %6.1f MB/s  (%.2f× xmllint)
                libxml2 xmlTextReader       : %6.1f MB/s  (%.2f× xmllint)
                Foundation XMLParser(stream): %6.1f MB/s  (%.2f× xmllint)
              crmhub import (parse + load) : %6.1f MB/s  (%.2f s, %.0f invoices/s)
              ratio to xmllint --stream    : %.2f× (target ≥ 0.5)
              crmhub peak RSS              : %.0f MB (target ≤ 250 MB)
            """, invoices, megabytes, rounds, rate(lint), rate(reader), rate(reader) / rate(lint), rate(textReader),
            rate(textReader) / rate(lint), rate(foundation), rate(foundation) / rate(lint), rate(imports),
            median(imports), Double(invoices) / median(imports), rate(imports) / rate(lint),
            Double(peakRSS) / 1_048_576))
    }

    static func time(_ body: () throws -> Int) throws -> Double {
        let start = ContinuousClock.now
        let count = try body()
        precondition(count > 0)
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func countRecords(_ path: String) throws -> Int {
        var file = try EnterpriseDataMessageFile(path: path)
        var count = 0
        while try file.readChunk(emit: { if case .object = $0 { count += 1 } }) {}
        return count
    }

    static func countWithTextReader(_ path: String) throws -> Int {
        guard let reader = xmlReaderForFile(path, nil, Int32(XML_PARSE_NONET.rawValue)) else {
            throw HubError(.io, "xmlTextReader cannot open the file")
        }
        defer { xmlFreeTextReader(reader) }
        var count = 0
        while xmlTextReaderRead(reader) == 1 {
            if xmlTextReaderNodeType(reader) == 1 { count += 1 }
        }
        return count
    }

    final class ElementCounter: NSObject, XMLParserDelegate {
        var count = 0
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            count += 1
        }
    }

    static func countWithFoundation(_ path: String) throws -> Int {
        guard let stream = InputStream(fileAtPath: path) else { throw HubError(.io, "cannot open \(path)") }
        let parser = XMLParser(stream: stream)
        let counter = ElementCounter()
        parser.delegate = counter
        _ = parser.parse()
        return counter.count
    }

    /// Writes the message streaming, 1C-shaped: counterparties first, then invoices naming them by value.
    static func generate(invoices: Int, path: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw HubError(.io, "cannot write \(path)") }
        defer { try? handle.close() }
        var out = ""
        func flush(force: Bool = false) throws {
            if force || out.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(out.utf8))
                out = ""
            }
        }
        out += """
            <?xml version="1.0" encoding="UTF-8"?>
            <Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            \t<msg:Header>
            \t\t<msg:Format>http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17</msg:Format>
            \t\t<msg:CreationDate>2026-11-21T21:30:00</msg:CreationDate>
            \t\t<msg:Confirmation><msg:ExchangePlan>СинхронизацияДанныхЧерезУниверсальныйФормат</msg:ExchangePlan><msg:To>CRM</msg:To><msg:From>BP</msg:From><msg:MessageNo>1</msg:MessageNo><msg:ReceivedNo>0</msg:ReceivedNo></msg:Confirmation>
            \t\t<msg:AvailableVersion>1.17</msg:AvailableVersion>
            \t</msg:Header>
            \t<Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">

            """
        let parties = 2000
        func uuid(_ kind: Int, _ index: Int) -> String {
            String(format: "%08x-%04x-4000-8000-%012x", kind, index >> 16 & 0xffff, index)
        }
        func party(_ index: Int) -> String {
            "<Ссылка>\(uuid(1, index))</Ссылка><Наименование>ООО «Клиент № \(index)»</Наименование>"
                + "<ИНН>\(300_000_000 + index)</ИНН><ЮридическоеФизическоеЛицо>ЮридическоеЛицо</ЮридическоеФизическоеЛицо>"
        }
        for index in 0..<parties {
            out += "\t\t<Справочник.Контрагенты>\n\t\t\t<КлючевыеСвойства>\(party(index))</КлючевыеСвойства>\n"
                + "\t\t\t<КонтактнаяИнформация><Строка><ВидКонтактнойИнформации>Телефон</ВидКонтактнойИнформации>"
                + "<ЗначенияПолей>+998 71 \(200_0000 + index)</ЗначенияПолей></Строка></КонтактнаяИнформация>\n"
                + "\t\t</Справочник.Контрагенты>\n"
        }
        let currency = "<Ссылка>7e3e0ef4-0000-11ee-b7a1-005056a1c0de</Ссылка><ДанныеКлассификатора><Код>860</Код>"
            + "<Наименование>сум</Наименование></ДанныеКлассификатора>"
        let organization = "<Ссылка>a0f1d3c2-0000-11ee-b7a1-005056a1c0de</Ссылка><Наименование>Алмазар Софт Сервис"
            + "</Наименование><ИНН>305418726</ИНН><ЮридическоеФизическоеЛицо>ЮридическоеЛицо</ЮридическоеФизическоеЛицо>"
        for index in 0..<invoices {
            let quantity = index % 7 + 1
            let price = 150_000 + (index % 97) * 1_000
            let first = quantity * price
            let second = 450_000 * (index % 3 + 1)
            let day = index % 28 + 1
            out += """
                \t\t<Документ.СчетПокупателю>
                \t\t\t<КлючевыеСвойства>
                \t\t\t\t<Ссылка>\(uuid(2, index))</Ссылка>
                \t\t\t\t<Дата>2026-10-\(day < 10 ? "0" : "")\(day)T12:00:00</Дата>
                \t\t\t\t<Номер>0000-\(String(format: "%06d", index + 1))</Номер>
                \t\t\t\t<Организация>\(organization)</Организация>
                \t\t\t</КлючевыеСвойства>
                \t\t\t<Валюта>\(currency)</Валюта>
                \t\t\t<Сумма>\(first + second).00</Сумма>
                \t\t\t<Контрагент>\(party(index % parties))</Контрагент>
                \t\t\t<ДанныеВзаиморасчетов><ВалютаВзаиморасчетов>\(currency)</ВалютаВзаиморасчетов><КурсВзаиморасчетов>1</КурсВзаиморасчетов><КратностьВзаиморасчетов>1</КратностьВзаиморасчетов><РасчетыВУсловныхЕдиницах>false</РасчетыВУсловныхЕдиницах></ДанныеВзаиморасчетов>
                \t\t\t<СуммаВключаетНДС>true</СуммаВключаетНДС>
                \t\t\t<Товары>
                \t\t\t\t<Строка><НомерСтрокиДокумента>1</НомерСтрокиДокумента><Номенклатура><Ссылка>\(uuid(3, index % 500))</Ссылка><Наименование>Товар \(index % 500)</Наименование></Номенклатура><Количество>\(quantity)</Количество><Сумма>\(first).00</Сумма><Цена>\(price).00</Цена><СтавкаНДС>12</СтавкаНДС></Строка>
                \t\t\t\t<Строка><НомерСтрокиДокумента>2</НомерСтрокиДокумента><Номенклатура><Ссылка>\(uuid(3, 500 + index % 3))</Ссылка><Наименование>Внедрение, нормо-час</Наименование></Номенклатура><Количество>\(index % 3 + 1)</Количество><Сумма>\(second).00</Сумма><Цена>450000.00</Цена><СтавкаНДС>12</СтавкаНДС></Строка>
                \t\t\t</Товары>
                \t\t</Документ.СчетПокупателю>

                """
            try flush()
        }
        out += "\t</Body>\n</Message>\n"
        try flush(force: true)
    }
}

