import CRMWarehouse
import Connectors
import Foundation
import HubCore

/// `1c-enterprisedata` and `1c-commerceml`: 1C:Accounting's XML exchange; `zup-enterprisedata`: 1C:ZUP's staff
/// in the same exchange format. All through `OneCImporter`.
struct OneCSourceKind: SourceKind {
    let format: OneCFormat

    var id: String { format.rawValue }

    var summary: String {
        switch format {
        case .enterpriseData: "1C:Accounting exchange messages (EnterpriseData 1.2–1.21, .xml or .zip)."
        case .commerceML: "CommerceML 2.x documents files (orders, invoices, shipments, payments)."
        case .zupEnterpriseData: "1C:ZUP exchange messages: staff, departments, positions, hires, transfers, dismissals."
        }
    }

    var help: String {
        switch format {
        case .enterpriseData: """
            Reads the messages 1C:Accounting writes when it synchronises "через универсальный формат" \
            (EnterpriseData 1.2–1.21): Message_BP_CRM.xml, or .zip. Counterparties, customer invoices with their \
            lines, payments and shipments are created or updated by their 1C reference; deletions in 1C mark \
            rows deleted, never remove them. Every object received is kept in raw.onec_objects.

            Safe to repeat: a message already accepted from a node (by its number) is not applied again, and the \
            same bytes load once. A folder stands for its Message_*_<our node>.xml|zip files. A message \
            addressed to another node is refused. An object that cannot be read is set aside in ops.quarantine \
            with its XML path and line; a damaged XML file loads nothing.
            """
        case .commerceML: """
            Reads CommerceML 2.05–2.10 documents files (documents.xml, orders.xml) in UTF-8 or Windows-1251, \
            with or without the urn:1C.ru:commerceml_2 namespace. "Заказ товара" and "Счет на оплату" become \
            invoices, "Отпуск товара" shipments, "Выплата безналичных денег" payments; each document's \
            counterparty is created or updated by its Ид, INN or name. Uzbek 9-digit INNs are accepted.
            """
        case .zupEnterpriseData: """
            Reads the messages 1C:ZUP (Зарплата и управление персоналом) writes when it synchronises through the             universal format, EnterpriseData 1.17 or later (HR objects exist from 1.17): persons             (ФизическиеЛица: name, birth date, the INN or ПИНФЛ as given), employees (Сотрудники, by ТабельныйНомер),             departments, positions, and the HR history (КадроваяИсторияСотрудников: hire, transfer, dismissal with             their dates) → core.individuals, core.staff_units, core.employees, core.employee_history. Each employee's             hire and dismissal dates, department and position follow from the history; attendance uses them day             by day. The words 1C uses for the events are settings (mappings/zup.yaml).

            The same envelope, numbering and raw keeping as 1c-enterprisedata: a message already accepted from a             node is not applied again, the same bytes load once, every object is kept in raw.onec_objects, and             accounting objects in the message are kept raw and skipped. A history object whose record cannot be             read (an event word the settings do not know) is set aside whole in ops.quarantine with its XML path             and line.
            """
        }
    }

    var example: String {
        switch format {
        case .enterpriseData: "crmhub import 1c-enterprisedata /srv/exchange/1c/Message_BP_CRM.zip"
        case .commerceML: "crmhub import 1c-commerceml exchange/documents.xml"
        case .zupEnterpriseData: "crmhub import zup-enterprisedata /srv/exchange/zup/Message_ZUP_CRM.xml"
        }
    }

    static let ourNode = SourceOption(
        key: "our_node", defaultValue: "CRM", environment: "CRMHUB_NODE", valueName: "code",
        help: "CRMHub's node code in the 1C exchange (the To of the messages 1C sends us); a message to another "
            + "node is refused. Default: $CRMHUB_NODE or CRM.")

    var options: [SourceOption] {
        switch format {
        case .enterpriseData: [Self.ourNode]
        case .commerceML: []
        case .zupEnterpriseData: [Self.ourNode, ZUPSettingsLoader.option]
        }
    }

    var units: UnitDiscovery {
        switch format {
        case .enterpriseData, .zupEnterpriseData:
            UnitDiscovery(what: "message files or exchange folders") { names, options in
                // 1C overwrites its one outgoing file per node, so a folder normally holds one for us.
                let node = (options.value(of: Self.ourNode) ?? "CRM").lowercased()
                return names.filter { name in
                    let lower = name.lowercased()
                    return lower.hasPrefix("message_")
                        && (lower.hasSuffix("_\(node).xml") || lower.hasSuffix("_\(node).zip"))
                }
            }
        case .commerceML:
            .files("documents files")
        }
    }

    var tables: [WarehouseTable] {
        let raw = [
            WarehouseTable("raw.onec_messages"),
            WarehouseTable("raw.onec_objects", testableColumns: ["id", "object_type", "source_ref", "disposition",
                                                                 "batch_id"]),
        ]
        guard format != .zupEnterpriseData else {
            return [
                WarehouseTable("core.employees", testableColumns: [
                    "personnel_number", "full_name", "pinfl", "inn", "department", "position", "hired_on",
                    "dismissed_on", "source_ref", "organization", "archived", "deleted", "batch_id"]),
                WarehouseTable("core.employee_history", testableColumns: [
                    "registrar_ref", "record_no", "personnel_number", "effective_on", "event", "event_text",
                    "department", "position", "deleted", "batch_id"]),
                WarehouseTable("core.individuals", testableColumns: ["source_ref", "full_name", "birth_date", "inn",
                                                                     "pinfl", "batch_id"]),
                WarehouseTable("core.staff_units", testableColumns: ["kind", "source_ref", "name", "batch_id"]),
            ] + raw
        }
        return [
            WarehouseTable("core.counterparties", testableColumns: [
                "id", "source_ref", "inn", "kpp", "name", "full_name", "is_legal_entity", "bank_account",
                "bank_code", "origin", "batch_id",
            ]),
            WarehouseTable("core.invoices", testableColumns: [
                "id", "source_ref", "number", "issued_on", "document_kind", "counterparty_id", "counterparty_inn",
                "counterparty_name", "organization_inn", "amount", "currency", "due_on", "contract", "deleted",
                "origin", "batch_id",
            ]),
            WarehouseTable("core.invoice_lines", testableColumns: [
                "invoice_id", "kind", "line_no", "item_ref", "item_name", "quantity", "price", "amount", "vat_rate",
                "vat_amount", "batch_id",
            ]),
            WarehouseTable("core.payments_1c", testableColumns: [
                "id", "source_ref", "number", "paid_on", "amount", "currency", "counterparty_id", "counterparty_inn",
                "invoice_id", "deleted", "batch_id", "direction",
            ]),
            WarehouseTable("core.supplier_invoices", testableColumns: [
                "id", "source_ref", "number", "issued_on", "document_kind", "supplier_number", "supplier_date",
                "counterparty_id", "counterparty_inn", "amount", "currency", "contract", "deleted", "batch_id",
            ]),
            WarehouseTable("core.shipments", testableColumns: [
                "id", "source_ref", "number", "shipped_on", "amount", "currency", "counterparty_id", "invoice_id",
                "deleted", "batch_id",
            ]),
        ] + raw
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let node = format == .commerceML ? nil : options.value(of: Self.ourNode)
        var importer = OneCImporter(warehouse: context.warehouse, format: format, ourNode: node,
                                    progress: context.progress)
        if format == .zupEnterpriseData {
            importer.staffVocabulary = try ZUPSettingsLoader.load(path: options.value(of: ZUPSettingsLoader.option)
                ?? ZUPSettingsLoader.defaultPath).vocabulary
        }
        let result = try await importer.importFile(path: unit.path, sourceName: unit.name, beforeCommit: context.beforeCommit)
        let facts = result.facts
        let message = facts.messageNo.map { "message \($0) from \(facts.from ?? "?") (format \(facts.version ?? "?"))" }
            ?? "\(facts.format) \(facts.version ?? "")"
        switch result.outcome {
        case .alreadyLoaded(let batchID, let finishedAt):
            return ImportReport(kind: id, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt),
                                batchID: batchID, headline: message, seconds: result.seconds)
        case .alreadyAccepted(let batchID, let number, let last):
            return ImportReport(
                kind: id, unit: unit,
                outcome: .ignored(reason: "message \(number) from \(facts.from ?? "?") was already accepted "
                                  + "(last received: \(last))"),
                batchID: batchID, headline: message, seconds: result.seconds)
        case .loaded(let summary):
            var report = ImportReport(kind: id, unit: unit, outcome: .loaded, batchID: summary.batchID,
                                      headline: message, seconds: result.seconds)
            report.read = summary.objects
            report.loaded = summary.loaded
            report.duplicate = summary.unchanged
            report.quarantined = summary.quarantined
            report.skipped = summary.skipped
            func changes(_ name: String, _ c: OneCLoadSummary.Changes) -> String {
                "\(name) \(c.inserted) new, \(c.updated) updated, \(c.unchanged) unchanged"
            }
            let changed = format == .zupEnterpriseData
                ? [changes("persons, departments, positions and employees", summary.staff),
                   changes("history objects", summary.history)]
                : [changes("counterparties", summary.counterparties), changes("invoices", summary.invoices),
                   changes("payments", summary.payments), changes("shipments", summary.shipments)]
                    + (summary.supplierInvoices.total > 0
                        ? [changes("supplier invoices", summary.supplierInvoices)] : [])
            report.details = [
                changed.joined(separator: "; "),
                "deletions \(summary.deletionsApplied) marked, \(summary.deletionsUnknown) of objects never "
                    + "received; skipped (type not mapped) \(summary.skipped)",
            ]
            report.quarantineSamples = result.quarantineSamples
            return report
        }
    }
}
