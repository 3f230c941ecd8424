import Connectors
import HubCore

/// CommerceML 2.05–2.10 `Документ` → warehouse rows, by `ХозОперация`:
/// "Заказ товара" and "Счет на оплату" → invoices, "Отпуск товара" → shipments, "Выплата безналичных денег" →
/// 1C payments; other operations are kept raw and skipped. The counterparty is the `Контрагент` whose role
/// differs from the document's own (we are the seller, they the buyer; we the recipient, they the payer).
///
/// Real files break the XSD (element order, 4-decimal amounts, `руб` for a currency, 9-digit Uzbek INNs that
/// the RU facet forbids), so nothing is validated beyond what loading needs.
package enum CommerceMLMapper {
    package static let invoiceOperations: Set<String> = ["Заказ товара", "Счет на оплату"]
    package static let shipmentOperations: Set<String> = ["Отпуск товара"]
    package static let paymentOperations: Set<String> = ["Выплата безналичных денег"]
    /// `ЗначенияРеквизитов` names that point a payment or shipment at its order or invoice.
    static let orderNumberAttributes = ["Номер заказа", "НомерЗаказа", "Номер счета", "Заказ"]

    /// Maps one document; `position` is its 1-based place among the file's documents.
    package static func map(_ node: XMLElementNode, position index: Int,
                           bytes: XMLByteRange = XMLByteRange(offset: 0, length: 0)) -> (OneCMapping, [CounterpartyRow]) {
        let path = "КоммерческаяИнформация/Документ[\(index)]"
        let position = XMLPosition(line: node.line, path: path)
        let reader = PropertyReader(node: node, path: path)
        let operation = node.value("ХозОперация") ?? ""
        func raw(_ disposition: RawObjectRow.Disposition) -> RawObjectRow {
            RawObjectRow(objectType: "Документ/\(operation)", ref: node.value("Ид"), disposition: disposition,
                         json: disposition == .quarantined ? node.json : nil, position: position,
                         byteOffset: bytes.offset, byteLength: bytes.length)
        }
        // A value past the input limit is only a preview: the document is quarantined, whatever its operation.
        if let rejection = OneCRejection(unholdable: node, bytes: bytes, path: path) {
            var row = raw(.quarantined)
            row.byteLength = 0  // see `OneCRejection.init(unholdable:bytes:path:)`
            return (.rejected(rejection, raw: row), [])
        }
        let mapped = invoiceOperations.contains(operation) || shipmentOperations.contains(operation)
            || paymentOperations.contains(operation)
        guard mapped else { return (.skipped(raw: raw(.skipped)), []) }
        do throws(OneCRejection) {
            let (header, counterparties) = try documentHeader(reader, operation: operation, position: position)
            let lines = try self.lines(reader)
            let row: OneCRow
            if invoiceOperations.contains(operation) {
                row = .invoice(InvoiceRow(header: header, dueOn: try reader.date(["СрокПлатежа"]),
                                          amountIncludesVAT: includesVAT(node), lines: lines))
            } else if shipmentOperations.contains(operation) {
                row = .shipment(ShipmentRow(header: header, invoice: orderReference(node), lines: lines))
            } else {
                row = .payment(PaymentRow(header: header, settles: orderReference(node), purpose: header.comment,
                                          incomingNumber: header.number))
            }
            return (.mapped(row, raw: raw(.mapped)), counterparties)
        } catch {
            return (.rejected(error, raw: raw(.quarantined)), [])
        }
    }

    static func documentHeader(_ reader: PropertyReader, operation: String, position: XMLPosition)
        throws(OneCRejection) -> (DocumentHeader, [CounterpartyRow])
    {
        let node = reader.node
        let id = try reader.required(["Ид"])
        let number = try reader.required(["Номер"])
        let date = try reader.requiredDate(["Дата"])
        let amount = try reader.requiredAmount(["Сумма"])
        let ownRole = node.value("Роль")
        let parties = node["Контрагенты"]?.children(named: "Контрагент") ?? []
        guard !parties.isEmpty else { throw reader.missing(["Контрагенты", "Контрагент"]) }
        let counterpartyNodes = parties.filter { $0.value("Роль") != ownRole }
        let theirs = counterpartyNodes.first ?? parties[0]
        guard let counterparty = OneCShapes.party(theirs) else {
            throw OneCRejection(reason: "Контрагент names no Ид, ИНН or name: the reference cannot be resolved",
                                path: position.path + "/Контрагенты/Контрагент", line: theirs.line,
                                field: "Контрагент")
        }
        var attributes: [(key: String, value: String)] = []
        for attribute in node["ЗначенияРеквизитов"]?.children(named: "ЗначениеРеквизита") ?? [] {
            guard let name = attribute.value("Наименование") else { continue }
            attributes.append((name, attribute.children(named: "Значение").compactMap(\.trimmedText)
                .joined(separator: "\n")))
        }
        let deleted = attributes.contains { $0.key == "ПометкаУдаления" && $0.value.lowercased() == "true" }
        let header = DocumentHeader(
            ref: id, number: number, date: date, documentKind: operation, counterparty: counterparty, amount: amount,
            currency: CurrencyCode.iso(node.value("Валюта")), comment: node.value("Комментарий"),
            attributesJSON: JSONText.object(attributes), deleted: deleted, position: position)
        let rows = counterpartyNodes.compactMap { counterpartyRow($0, position: position) }
        return (header, rows)
    }

    /// The full counterparty a document carries (CommerceML sends no separate catalogue of them).
    static func counterpartyRow(_ node: XMLElementNode, position: XMLPosition) -> CounterpartyRow? {
        guard let party = OneCShapes.party(node), party.name != nil || party.inn != nil else { return nil }
        var contacts: [(key: String, value: String)] = []
        for contact in node["Контакты"]?.children(named: "Контакт") ?? [] {
            if let kind = contact.value("Тип"), let value = contact.value("Значение") { contacts.append((kind, value)) }
        }
        let account = node["РасчетныеСчета"]?["РасчетныйСчет"] ?? node["РасчетныйСчет"]
        return CounterpartyRow(
            party: party, bankAccount: account?.value("НомерСчета"), bankCode: account?.value("Банк", "БИК"),
            bankName: account?.value("Банк", "Наименование"),
            phone: contacts.first { $0.key.lowercased().contains("телефон") }?.value,
            email: contacts.first { $0.key.lowercased().contains("почт") || $0.key.lowercased().contains("mail") }?.value,
            address: node.value("ЮридическийАдрес", "Представление") ?? node.value("Адрес", "Представление")
                ?? node.value("АдресРегистрации", "Представление"),
            contactsJSON: JSONText.object(contacts), position: position)
    }

    static func lines(_ reader: PropertyReader) throws(OneCRejection) -> [DocumentLineRow] {
        var rows: [DocumentLineRow] = []
        for (index, item) in (reader.node["Товары"]?.children(named: "Товар") ?? []).enumerated() {
            let itemReader = PropertyReader(node: item, below: reader, section: "Товары", element: "Товар",
                                            index: index + 1)
            let id = item.value("Ид")
            let kindAttribute = item["ЗначенияРеквизитов"]?.children(named: "ЗначениеРеквизита")
                .first { $0.value("Наименование") == "ТипНоменклатуры" || $0.value("Наименование") == "ВидНоменклатуры" }?
                .value("Значение")
            let kind = id == "ORDER_DELIVERY" ? "delivery" : (kindAttribute == "Услуга" ? "services" : "goods")
            let tax = item["Налоги"]?.children(named: "Налог").first { $0.value("Наименование") == "НДС" }
            rows.append(DocumentLineRow(
                lineNo: index + 1, kind: kind, itemRef: id, itemName: item.value("Наименование"),
                sku: item.value("Артикул"), unit: item.value("БазоваяЕдиница"),
                quantity: try itemReader.amount(["Количество"]), price: try itemReader.amount(["ЦенаЗаЕдиницу"]),
                amount: try itemReader.requiredAmount(["Сумма"]), vatRate: tax?.value("Ставка"),
                vatAmount: try tax.flatMap { tax throws(OneCRejection) in
                    try PropertyReader(node: tax, path: itemReader.path + "/Налоги/Налог").amount(["Сумма"])
                }))
        }
        return rows
    }

    static func includesVAT(_ node: XMLElementNode) -> Bool? {
        guard let tax = node["Налоги"]?.children(named: "Налог").first(where: { $0.value("Наименование") == "НДС" })
        else { return nil }
        return tax.value("УчтеноВСумме").map { $0.lowercased() == "true" } ?? false
    }

    /// The order or invoice a payment or shipment names: a subordinate document, else an attribute with its
    /// number (`ЗначенияРеквизитов/Номер заказа`).
    static func orderReference(_ node: XMLElementNode) -> DocumentReference? {
        if let subordinate = node["ПодчиненныеДокументы"]?["ПодчиненныйДокумент"] {
            return DocumentReference(ref: subordinate.value("Ид"), number: subordinate.value("Номер"),
                                     date: subordinate.value("Дата").flatMap { CalendarDate(isoDate: $0) })
        }
        for attribute in node["ЗначенияРеквизитов"]?.children(named: "ЗначениеРеквизита") ?? [] {
            if let name = attribute.value("Наименование"), orderNumberAttributes.contains(name),
               let number = attribute.value("Значение") {
                return DocumentReference(number: number)
            }
        }
        return nil
    }
}
