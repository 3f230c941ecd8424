import Foundation
import HubCore

/// Writes an EnterpriseData message for 1C to import: the envelope with our numbering, then counterparties,
/// invoices and deletions. Streams to a file through a small buffer; every text is escaped, and characters
/// XML 1.0 cannot carry (control characters) are dropped.
///
/// The properties written are the key properties 1C matches by (so 1C finds, rather than duplicates, what
/// it already has) plus the required ones of version 1.17 (`EnterpriseDataVersion.written`).
public final class EnterpriseDataWriter {
    public struct Envelope: Sendable {
        public var from: String
        public var to: String
        public var messageNo: Int
        public var receivedNo: Int
        public var creationDate: Date

        public init(from: String, to: String, messageNo: Int, receivedNo: Int, creationDate: Date = Date()) {
            self.from = from
            self.to = to
            self.messageNo = messageNo
            self.receivedNo = receivedNo
            self.creationDate = creationDate
        }
    }

    public static let exchangePlan = "СинхронизацияДанныхЧерезУниверсальныйФормат"
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var depth = 0
    public let version = EnterpriseDataVersion.written

    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) , let handle = FileHandle(forWritingAtPath: path) else {
            throw HubError(.io, "cannot create the message file", location: SourceLocation(source: path))
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 16)
    }

    deinit { try? handle.close() }

    public func begin(_ envelope: Envelope) throws {
        raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        raw("<Message xmlns:msg=\"http://www.1c.ru/SSL/Exchange/Message\" "
            + "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
        depth = 1
        open("msg:Header")
        leaf("msg:Format", version.namespace)
        // 1C writes CreationDate as the UTC "universal date", without a zone.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: envelope.creationDate)
        leaf("msg:CreationDate", String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!,
                                        parts.day!, parts.hour!, parts.minute!, parts.second!))
        open("msg:Confirmation")
        leaf("msg:ExchangePlan", Self.exchangePlan)
        leaf("msg:To", envelope.to)
        leaf("msg:From", envelope.from)
        leaf("msg:MessageNo", String(envelope.messageNo))
        leaf("msg:ReceivedNo", String(envelope.receivedNo))
        close("msg:Confirmation")
        leaf("msg:AvailableVersion", version.description)
        close("msg:Header")
        raw(indent + "<Body xmlns=\"\(version.namespace)\">\n")
        depth += 1
        try flushIfNeeded()
    }

    public func counterparty(_ row: CounterpartyRow) throws {
        open("Справочник.Контрагенты")
        open("КлючевыеСвойства")
        partyKeys(row.party)
        close("КлючевыеСвойства")
        let contacts: [(String, String?)] = [("Телефон", row.phone), ("АдресЭлектроннойПочты", row.email),
                                             ("ЮридическийАдрес", row.address)]
        if contacts.contains(where: { $0.1 != nil }) {
            open("КонтактнаяИнформация")
            for (kind, value) in contacts {
                guard let value else { continue }
                open("Строка")
                leaf("ВидКонтактнойИнформации", kind)
                leaf("ЗначенияПолей", value)
                close("Строка")
            }
            close("КонтактнаяИнформация")
        }
        if let account = row.bankAccount {
            open("ОсновнойБанковскийСчет")
            leaf("НомерСчета", account)
            if row.bankCode != nil || row.bankName != nil {
                open("Банк")
                open("ДанныеКлассификатораБанков")
                leaf("Наименование", row.bankName)
                leaf("БИК", row.bankCode)
                close("ДанныеКлассификатораБанков")
                close("Банк")
            }
            open("Владелец")
            open("КонтрагентыСсылка")
            partyKeys(row.party)
            close("КонтрагентыСсылка")
            close("Владелец")
            close("ОсновнойБанковскийСчет")
        }
        close("Справочник.Контрагенты")
        try flushIfNeeded()
    }

    public func invoice(_ row: InvoiceRow) throws {
        let header = row.header
        open("Документ.СчетПокупателю")
        open("КлючевыеСвойства")
        leaf("Ссылка", header.ref)
        leaf("Дата", header.date.iso + "T00:00:00")
        leaf("Номер", header.number)
        if let organization = header.organization {
            open("Организация")
            partyKeys(organization)
            close("Организация")
        }
        close("КлючевыеСвойства")
        currency("Валюта", header.currency)
        leaf("Сумма", header.amount?.text)
        if let counterparty = header.counterparty {
            open("Контрагент")
            partyKeys(counterparty)
            close("Контрагент")
        }
        open("ДанныеВзаиморасчетов")
        if let contract = row.contract {
            open("Договор")
            leaf("Наименование", contract)
            leaf("Номер", contract)
            close("Договор")
        }
        currency("ВалютаВзаиморасчетов", header.currency)
        leaf("КурсВзаиморасчетов", "1")
        leaf("КратностьВзаиморасчетов", "1")
        leaf("РасчетыВУсловныхЕдиницах", "false")
        close("ДанныеВзаиморасчетов")
        leaf("СуммаВключаетНДС", row.amountIncludesVAT.map { $0 ? "true" : "false" })
        leaf("СрокОплаты", row.dueOn?.iso)
        leaf("Комментарий", header.comment)
        for (section, kind) in [("Товары", "goods"), ("Услуги", "services")] {
            let lines = row.lines.filter { ($0.kind == "goods") == (kind == "goods") }
            guard !lines.isEmpty else { continue }
            open(section)
            for line in lines {
                open("Строка")
                leaf("НомерСтрокиДокумента", String(line.lineNo))
                if line.itemRef != nil || line.itemName != nil || line.sku != nil {
                    open("Номенклатура")
                    leaf("Ссылка", line.itemRef)
                    leaf("Наименование", line.itemName)
                    leaf("Артикул", line.sku)
                    close("Номенклатура")
                }
                if let unit = line.unit {
                    open("ЕдиницаИзмерения")
                    leaf("Наименование", unit)
                    close("ЕдиницаИзмерения")
                }
                leaf("Количество", line.quantity?.text)
                leaf("Сумма", line.amount.text)
                leaf("Цена", line.price?.text)
                leaf("СтавкаНДС", line.vatRate)
                leaf("СуммаНДС", line.vatAmount?.text)
                close("Строка")
            }
            close(section)
        }
        close("Документ.СчетПокупателю")
        try flushIfNeeded()
    }

    /// `УдалениеОбъекта` for an object 1C had from us (`КонтрагентыСсылка`, `СчетПокупателюСсылка`).
    public func deletion(referenceKind: String, ref: String) throws {
        open("УдалениеОбъекта")
        open("СсылкаНаОбъект")
        open("СсылкаНаОбъект")
        leaf(referenceKind, ref)
        close("СсылкаНаОбъект")
        close("СсылкаНаОбъект")
        close("УдалениеОбъекта")
        try flushIfNeeded()
    }

    /// Closes the body and the message and writes everything out.
    public func finish() throws {
        depth -= 1
        raw(indent + "</Body>\n</Message>\n")
        try flush()
        try handle.synchronize()
    }

    private func partyKeys(_ party: PartyReference) {
        leaf("Ссылка", party.ref)
        leaf("Наименование", party.name)
        leaf("НаименованиеПолное", party.fullName)
        leaf("ИНН", party.inn)
        leaf("КПП", party.kpp)
        leaf("ЮридическоеФизическоеЛицо", party.isLegalEntity.map { $0 ? "ЮридическоеЛицо" : "ФизическоеЛицо" })
    }

    private func currency(_ element: String, _ iso: String?) {
        guard let iso else { return }
        open(element)
        open("ДанныеКлассификатора")
        leaf("Код", CurrencyCode.numeric(iso) ?? iso)
        leaf("Наименование", iso)
        close("ДанныеКлассификатора")
        close(element)
    }

    private var indent: String { String(repeating: "\t", count: depth) }

    private func open(_ name: String) {
        raw(indent + "<\(name)>\n")
        depth += 1
    }

    private func close(_ name: String) {
        depth -= 1
        raw(indent + "</\(name)>\n")
    }

    private func leaf(_ name: String, _ value: String?) {
        guard let value else { return }
        raw(indent + "<\(name)>")
        escaped(value)
        raw("</\(name)>\n")
    }

    private func raw(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    private func escaped(_ text: String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": raw("&amp;")
            case "<": raw("&lt;")
            case ">": raw("&gt;")
            case "\"": raw("&quot;")
            case "\r": raw("&#13;")
            case "\t", "\n": buffer.append(UInt8(scalar.value))
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: buffer.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    private func flushIfNeeded() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
