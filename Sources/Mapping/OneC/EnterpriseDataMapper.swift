import Connectors
import HubCore

/// EnterpriseData objects → warehouse rows. Properties are found by name, so the order changes between
/// format versions (1.21's `СсылкаВнешняяНавигационная` before `Ссылка`, say) do not matter.
///
/// Mapped for 1C:Accounting (`Profile.accounting`): `Справочник.Контрагенты`, `Документ.СчетПокупателю`,
/// `Документ.ПБДСРасчетыСКонтрагентами` and `Документ.СБДСРасчетыСКонтрагентами` (incoming and outgoing bank
/// payments), `Документ.РеализацияТоваровУслуг`, and the supplier side's `Документ.ПоступлениеТоваровУслуг` and
/// `Документ.СчетНаОплатуПоставщика` (`supplierInvoiceTypes`); for 1C:ZUP (`Profile.staff`) the
/// staff objects (`EnterpriseDataStaffMapper`); `УдалениеОбъекта` for both. Each kind maps its own system's
/// objects: anything else is kept raw and skipped. An object with a value past the input limit
/// (`XMLElementNode.valueProblem`) is quarantined, whatever its type.
package enum EnterpriseDataMapper {
    /// Which system's objects a message is read for.
    package enum Profile: Sendable {
        case accounting
        case staff(StaffVocabulary)
    }

    package static let counterpartyType = "Справочник.Контрагенты"
    package static let invoiceType = "Документ.СчетПокупателю"
    package static let paymentType = "Документ.ПБДСРасчетыСКонтрагентами"
    package static let shipmentType = "Документ.РеализацияТоваровУслуг"
    /// Our outgoing bank payments: СБДС, "списание безналичных денежных средств", the mirror of ПБДС.
    package static let outgoingPaymentType = "Документ.СБДСРасчетыСКонтрагентами"
    /// What we owe a supplier: the receipt of goods and services (the liability in 1C's books) and the
    /// supplier's bill. The bill's format name is not confirmed against a format package (the reference knows
    /// the receipt's only): both names 1C uses for it are accepted.
    package static let supplierInvoiceTypes: Set<String> = [
        "Документ.ПоступлениеТоваровУслуг", "Документ.СчетНаОплатуПоставщика", "Документ.СчетПоставщика",
    ]
    package static let deletionType = "УдалениеОбъекта"

    package static func map(_ object: EnterpriseDataObject, profile: Profile = .accounting) -> OneCMapping {
        let node = object.node
        let position = XMLPosition(line: object.line, path: object.path)
        let reader = PropertyReader(node: node, path: position.path)
        let ref = node.value("КлючевыеСвойства", "Ссылка")
        func raw(_ disposition: RawObjectRow.Disposition, ref: String? = ref) -> RawObjectRow {
            RawObjectRow(objectType: object.typeName, ref: ref, disposition: disposition,
                         json: disposition == .quarantined ? node.json : nil, position: position,
                         byteOffset: object.bytes.offset, byteLength: object.bytes.length)
        }
        if let rejection = OneCRejection(unholdable: node, bytes: object.bytes, path: position.path) {
            var row = raw(.quarantined)
            row.byteLength = 0  // see `OneCRejection.init(unholdable:bytes:path:)`
            return .rejected(rejection, raw: row)
        }
        do throws(OneCRejection) {
            if case .staff(let vocabulary) = profile, object.typeName != deletionType {
                guard EnterpriseDataStaffMapper.types.contains(object.typeName) else { return .skipped(raw: raw(.skipped)) }
                let row = try EnterpriseDataStaffMapper.map(object.typeName, reader, position: position,
                                                            vocabulary: vocabulary)
                return .mapped(.staff(row), raw: raw(.mapped))
            }
            switch object.typeName {
            case counterpartyType:
                return .mapped(.counterparty(try counterparty(reader, position: position)), raw: raw(.mapped))
            case invoiceType:
                return .mapped(.invoice(try invoice(reader, kind: object.typeName, position: position)),
                               raw: raw(.mapped))
            case paymentType, outgoingPaymentType:
                return .mapped(.payment(try payment(reader, kind: object.typeName, position: position)),
                               raw: raw(.mapped))
            case shipmentType:
                return .mapped(.shipment(try shipment(reader, kind: object.typeName, position: position)),
                               raw: raw(.mapped))
            case let type where supplierInvoiceTypes.contains(type):
                return .mapped(.supplierInvoice(try supplierInvoice(reader, kind: type, position: position)),
                               raw: raw(.mapped))
            case deletionType:
                let deletion = try self.deletion(reader, position: position)
                return .mapped(.deletion(deletion), raw: raw(.deletion, ref: deletion.ref))
            default:
                return .skipped(raw: raw(.skipped))
            }
        } catch {
            return .rejected(error, raw: raw(.quarantined))
        }
    }

    static func counterparty(_ reader: PropertyReader, position: XMLPosition) throws(OneCRejection)
        -> CounterpartyRow
    {
        let keys = ["КлючевыеСвойства"]
        _ = try reader.required(keys + ["Наименование"])
        guard let party = OneCShapes.party(reader.node["КлючевыеСвойства"]) else {
            throw reader.missing(keys)
        }
        var contacts: [(key: String, value: String)] = []
        var phone: String?, email: String?, address: String?
        for line in reader.node["КонтактнаяИнформация"]?.children(named: "Строка") ?? [] {
            guard let kind = line.value("ВидКонтактнойИнформации"),
                  let value = line.value("Представление") ?? line.value("ЗначенияПолей")
            else { continue }
            contacts.append((kind, value))
            let lowered = kind.lowercased()
            if lowered.contains("телефон") { phone = phone ?? value }
            else if lowered.contains("почт") || lowered.contains("email") { email = email ?? value }
            else if lowered.contains("адрес") { address = address ?? value }
        }
        let bank = reader.node["ОсновнойБанковскийСчет"]
        return CounterpartyRow(
            party: party, bankAccount: bank?.value("НомерСчета"),
            bankCode: bank?.value("Банк", "ДанныеКлассификатораБанков", "БИК"),
            bankName: bank?.value("Банк", "ДанныеКлассификатораБанков", "Наименование"),
            phone: phone, email: email, address: address, contactsJSON: JSONText.object(contacts),
            position: position)
    }

    /// The properties every mapped document has: key properties (`Дата`, `Номер`, `Организация`), currency,
    /// amount and counterparty. `amountPaths` lists where the amount may stand (payments nest it).
    static func documentHeader(
        _ reader: PropertyReader, kind: String, position: XMLPosition, amountPaths: [[String]],
        currencyPaths: [[String]], amountRequired: Bool = true
    ) throws(OneCRejection) -> DocumentHeader {
        let number = try reader.required(["КлючевыеСвойства", "Номер"])
        let date = try reader.requiredDate(["КлючевыеСвойства", "Дата"])
        let organization = OneCShapes.party(reader.node.element(["КлючевыеСвойства", "Организация"]))
        var amount: ExactAmount?
        for path in amountPaths where amount == nil { amount = try reader.amount(path) }
        if amount == nil && amountRequired { throw reader.missing(amountPaths[0]) }
        let currencyCode = reader.text(anyOf: currencyPaths.map { $0 + ["ДанныеКлассификатора", "Код"] })
            ?? reader.text(anyOf: currencyPaths.map { $0 + ["ДанныеКлассификатора", "Наименование"] })
        guard currencyCode != nil else { throw reader.missing(currencyPaths[0]) }
        let counterparty = OneCShapes.party(reader.node["Контрагент"])
        if reader.node["Контрагент"] != nil && counterparty == nil {
            throw OneCRejection(reason: "Контрагент names no UUID, INN or name: the reference cannot be resolved",
                                path: position.path + "/Контрагент", line: reader.node["Контрагент"]!.line,
                                field: "Контрагент")
        }
        let ref = reader.text(["КлючевыеСвойства", "Ссылка"])
            ?? OneCShapes.syntheticRef(kind: kind, number: number, date: date, organization: organization)
        return DocumentHeader(
            ref: ref, number: number, date: date, documentKind: kind, organization: organization,
            counterparty: counterparty, amount: amount, currency: CurrencyCode.iso(currencyCode),
            comment: reader.text(["Комментарий"]), position: position)
    }

    static func invoice(_ reader: PropertyReader, kind: String, position: XMLPosition) throws(OneCRejection)
        -> InvoiceRow
    {
        let header = try documentHeader(reader, kind: kind, position: position, amountPaths: [["Сумма"]],
                                        currencyPaths: [["Валюта"]])
        guard header.counterparty != nil else { throw reader.missing(["Контрагент"]) }
        let settlement = reader.node["ДанныеВзаиморасчетов"]
        return InvoiceRow(
            header: header, dueOn: try reader.date(["СрокОплаты"]),
            amountIncludesVAT: reader.bool(["СуммаВключаетНДС"]),
            contract: settlement.flatMap { contract($0) }, lines: try lines(reader))
    }

    static func contract(_ node: XMLElementNode) -> String? {
        guard let contract = node["Договор"] else { return nil }
        let key = contract["КлючевыеСвойства"] ?? contract
        return key.value("Номер") ?? key.value("Наименование") ?? key.value("Ссылка")
    }

    /// `Товары/Строка` then `Услуги/Строка`, numbered by `НомерСтрокиДокумента` or their order.
    static func lines(_ reader: PropertyReader) throws(OneCRejection) -> [DocumentLineRow] {
        var rows: [DocumentLineRow] = []
        for (section, kind) in [("Товары", "goods"), ("Услуги", "services")] {
            for (index, line) in (reader.node[section]?.children(named: "Строка") ?? []).enumerated() {
                let lineReader = PropertyReader(node: line, below: reader, section: section, element: "Строка",
                                                index: index + 1)
                let item = line["Номенклатура"]
                rows.append(DocumentLineRow(
                    lineNo: line.value("НомерСтрокиДокумента").flatMap { Int($0) } ?? rows.count + 1, kind: kind,
                    itemRef: item?.value("Ссылка") ?? item?.value("КлючевыеСвойства", "Ссылка"),
                    itemName: item?.value("Наименование") ?? item?.value("КлючевыеСвойства", "Наименование")
                        ?? line.value("Содержание"),
                    sku: item?.value("Артикул"), unit: line.value("ЕдиницаИзмерения", "Наименование"),
                    quantity: try lineReader.amount(["Количество"]), price: try lineReader.amount(["Цена"]),
                    amount: try lineReader.requiredAmount(["Сумма"]),
                    vatRate: line.value("СтавкаНДС"), vatAmount: try lineReader.amount(["СуммаНДС"])))
            }
        }
        return rows
    }

    static func payment(_ reader: PropertyReader, kind: String, position: XMLPosition) throws(OneCRejection)
        -> PaymentRow
    {
        var header = try documentHeader(
            reader, kind: kind, position: position, amountPaths: [["ОбщиеДанные", "Сумма"], ["Сумма"]],
            currencyPaths: [["ОбщиеДанные", "Валюта"], ["Валюта"]])
        // A payment is booked on the statement date; its document date comes second.
        header.date = try reader.date(["ОбщиеДанные", "ДатаВыписки"]) ?? header.date
        let breakdown = reader.node["РасшифровкаПлатежа"]?.children(named: "Строка") ?? []
        let settles = breakdown.lazy.compactMap { line in
            OneCShapes.document(line["ДокументРасчетов"] ?? line["СчетНаОплату"] ?? line["СчетПокупателю"])
        }.first
        let contract = breakdown.lazy.compactMap { $0["ДанныеВзаиморасчетов"].flatMap(Self.contract) }.first
        header.attributesJSON = reader.node["РасшифровкаПлатежа"]?.json ?? "{}"
        return PaymentRow(
            header: header, settles: settles, contract: contract,
            purpose: reader.text(anyOf: [["ОбщиеДанные", "НазначениеПлатежа"], ["НазначениеПлатежа"]]),
            incomingNumber: reader.text(anyOf: [["ОбщиеДанные", "НомерВходящегоДокумента"],
                                                ["НомерВходящегоДокумента"]]),
            incomingDate: try reader.date(["ОбщиеДанные", "ДатаВходящегоДокумента"]),
            ourAccount: reader.text(anyOf: [["ОбщиеДанные", "БанковскийСчетОрганизации", "НомерСчета"],
                                            ["БанковскийСчетОрганизации", "НомерСчета"]]))
    }

    static func shipment(_ reader: PropertyReader, kind: String, position: XMLPosition) throws(OneCRejection)
        -> ShipmentRow
    {
        let header = try documentHeader(reader, kind: kind, position: position, amountPaths: [["Сумма"]],
                                        currencyPaths: [["Валюта"]], amountRequired: false)
        guard header.counterparty != nil else { throw reader.missing(["Контрагент"]) }
        let invoice = OneCShapes.document(reader.node["СчетПокупателю"]) ?? OneCShapes.document(reader.node["Заказ"])
        return ShipmentRow(header: header, invoice: invoice, lines: try lines(reader))
    }

    /// The supplier's own number and date stand in `ДанныеПервичныхДокументов` (the primary document as the
    /// supplier issued it) or, in older packages, in `НомерВходящегоДокумента`/`ДатаВходящегоДокумента`.
    static func supplierInvoice(_ reader: PropertyReader, kind: String, position: XMLPosition)
        throws(OneCRejection) -> SupplierInvoiceRow
    {
        let header = try documentHeader(reader, kind: kind, position: position, amountPaths: [["Сумма"]],
                                        currencyPaths: [["Валюта"]])
        guard header.counterparty != nil else { throw reader.missing(["Контрагент"]) }
        let number = reader.text(anyOf: [["ДанныеПервичныхДокументов", "Номер"], ["НомерВходящегоДокумента"]])
        var date = try reader.date(["ДанныеПервичныхДокументов", "Дата"])
        if date == nil { date = try reader.date(["ДатаВходящегоДокумента"]) }
        return SupplierInvoiceRow(header: header, supplierNumber: number, supplierDate: date,
                                  contract: reader.node["ДанныеВзаиморасчетов"].flatMap { contract($0) })
    }

    static func deletion(_ reader: PropertyReader, position: XMLPosition) throws(OneCRejection) -> DeletionRow {
        var node = reader.node
        while let child = node.children.first, node.children.count == 1 { node = child }
        guard node.children.isEmpty, node.name.hasSuffix("Ссылка"), let ref = node.trimmedText else {
            throw reader.missing(["СсылкаНаОбъект", "СсылкаНаОбъект", "<Тип>Ссылка"])
        }
        return DeletionRow(referenceKind: node.name, ref: ref, position: position)
    }
}
