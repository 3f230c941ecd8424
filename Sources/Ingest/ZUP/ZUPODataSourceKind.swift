import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Mapping

/// `zup-odata`: absences (vacations, sick leave, business trips) from 1C:ZUP's OData interface, over a window of
/// days, into `core.absence_days` as `hr-absences` loads them.
struct ZUPODataSourceKind: SourceKind {
    var id: String { "zup-odata" }
    var summary: String { "1C:ZUP's absences over its OData interface (employee states: vacation, sick leave, trips)." }

    var help: String { """
        Reads the employee states 1C:ZUP records (InformationRegister_ДанныеСостоянийСотрудников: Сотрудник_Key, \
        Состояние, Начало, Окончание) over ZUP's published OData interface, with the employees \
        (Catalog_Сотрудники: Ref_Key, Code = the personnel number) to know whose they are. Give the service root, \
        http(s)://server/base/odata/standard.odata. The states that are absences, and the kind each becomes \
        (ОтпускОсновной → vacation, Болезнь → sick_leave, Командировка → business_trip, …), the user and password \
        (${env:…} or ${file:…} references only) and the entity names are settings (mappings/zup.yaml).

        Days from --from to --to (default: the previous month's first day to the current month's last) become \
        core.absence_days, a later answer replacing what an earlier one said for the same employee and day, as \
        hr-absences does. Safe to repeat: the same answers load once. A state whose employee is unknown or whose \
        dates do not read is set aside in ops.quarantine with its place in the answer; the rest loads (exit code 3).
        """ }

    var example: String {
        "crmhub import zup-odata http://zup.local/zup/odata/standard.odata --from 2026-07-01 --to 2026-07-31"
    }

    var options: [SourceOption] { [ZUPSettingsLoader.option, DateWindow.from, DateWindow.to] }
    var units: UnitDiscovery { .endpoints("OData service roots") }
    var tables: [WarehouseTable] {
        [WarehouseTable("core.absence_days", testableColumns: ["personnel_number", "day", "kind", "batch_id"])]
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let settingsFile = options.value(of: ZUPSettingsLoader.option) ?? ZUPSettingsLoader.defaultPath
        let settings = try ZUPSettingsLoader.load(path: settingsFile)
        let window = try DateWindow.days(options)
        let client = try ZUPODataClient(root: unit.path, settings: settings.odata, settingsFile: settingsFile)
        let odata = settings.odata
        context.progress?(ImportProgress(source: unit.name, phase: .scanning, bytesDone: 0, bytesTotal: 0, records: 0,
                                         elapsed: 0))
        let employees = try await client.all(odata.employees, select: ["Ref_Key", "Code", "Description"])
        var numbers: [String: String] = [:]
        for page in employees {
            for entity in page.entities {
                if let key = entity.properties["Ref_Key"], let code = entity.properties["Code"] {
                    numbers[key] = code.trimmingCharacters(in: .whitespaces)
                }
            }
        }
        let empty = "datetime'0001-01-01T00:00:00'"
        let filter = "Начало le datetime'\(window.upperBound.iso)T23:59:59' and "
            + "(Окончание ge datetime'\(window.lowerBound.iso)T00:00:00' or Окончание eq \(empty))"
        let states = try await client.all(odata.states, filter: filter)
        // What was asked and what was answered: the same answers for the same window load once.
        var hasher = ContentHasher()
        var bytes: Int64 = 0
        Array("\(window.lowerBound.iso)..\(window.upperBound.iso)".utf8).withUnsafeBytes { hasher.update($0) }
        for page in employees + states {
            page.body.withUnsafeBytes { hasher.update($0) }
            bytes += Int64(page.body.count)
        }
        let name = "\(unit.name) \(odata.states) \(window.lowerBound.iso)..\(window.upperBound.iso)"
        let source = BatchSource(sourceKind: id, sourceName: name, sha256: hasher.hexDigest(), byteCount: bytes,
                                 encoding: "UTF8")
        let reader = ZUPAbsenceReader(vocabulary: settings.vocabulary, personnelNumbers: numbers, window: window)
        let outcome = try await HRFileStore(warehouse: context.warehouse).load(
            source, content: .absences, beforeCommit: context.beforeCommit
        ) { writer in
            var line = 0
            for page in states {
                for entity in page.entities {
                    line += 1
                    switch reader.read(entity, line: line) {
                    case .days(let days): for day in days { try await writer.append(.absenceDay(day)) }
                    case .notAnAbsence: writer.skip()
                    case .rejected(let reason, let field):
                        try await writer.quarantine(QuarantinedRecord(
                            line: line, recordKind: "absence", reason: reason, field: field, raw: entity.json,
                            path: page.path(of: entity)))
                    }
                }
            }
        }
        let seconds = BankStatementImporter.seconds(since: started)
        let headline = "\(numbers.count) employees, \(states.reduce(0) { $0 + $1.entities.count }) states"
        switch outcome.result {
        case .alreadyLoaded(let batchID, let finishedAt):
            return ImportReport(kind: id, unit: unit, outcome: .alreadyLoaded(finishedAt: finishedAt), batchID: batchID,
                                headline: headline, seconds: seconds)
        case .loaded(let counts):
            return ImportReport(kind: id, unit: unit, loaded: counts, headline: headline, seconds: seconds,
                                quarantineSamples: outcome.samples)
        }
    }
}
