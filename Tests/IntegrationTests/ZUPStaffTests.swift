import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// 1C:ZUP's staff through the command line: the sample message, then HR's files and punches, then the
/// month; a resend, a correction and a deletion from ZUP; an event word the settings do not know.
@Suite("1C:ZUP staff from EnterpriseData")
struct ZUPStaffTests {
    static let samples = AttendanceImportTests.repository + "/samples"
    static let message = samples + "/zup/Message_ZUP_CRM.xml"

    func run(_ arguments: [String], _ warehouse: Warehouse) async throws -> ChildProcess.Output {
        try await CLITests().crmhub(arguments, database: warehouse.settings)
    }

    /// One text per row: the columns joined by `|`, nulls left out.
    func table(_ warehouse: Warehouse, _ select: String) async throws -> [String] {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            SELECT array_to_string(ARRAY(SELECT value FROM json_each_text(row_to_json(t))), '|') FROM (\(select)) t
            """),
                                         logger: warehouse.logger).collect().map { try $0.decode(String.self) }
    }

    /// The sample message with another number (and any other edits).
    func variant(_ files: TemporaryFiles, number: Int, _ edits: [(String, String)] = []) throws -> String {
        var text = try String(contentsOfFile: Self.message, encoding: .utf8)
        text = text.replacingOccurrences(of: "<msg:MessageNo>7</msg:MessageNo>", with: "<msg:MessageNo>\(number)</msg:MessageNo>")
        for (old, new) in edits {
            #expect(text.contains(old), "the sample no longer holds \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try files.write("Message_ZUP_CRM_\(number).xml", Data(text.utf8))
    }

    @Test("staff, then HR files and punches: a transfer mid-month splits the month, a dismissal ends it; twice changes nothing")
    func chain() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let first = try await run(["import", "zup-enterprisedata", Self.message], warehouse)
            #expect(first.status == 0, "\(first.text)")
            #expect(first.text.contains("read 42, loaded 42, duplicates 0, quarantined 0"), "\(first.text)")
            #expect(first.text.contains("persons, departments, positions and employees 30 new"), "\(first.text)")
            #expect(try await table(warehouse, """
                SELECT personnel_number, full_name, pinfl, inn, department, position, hired_on, dismissed_on
                FROM core.employees WHERE personnel_number IN ('0002', '0004', '0005') ORDER BY 1
                """) == [
                    "0002|Назарова Гульнора Ахмедовна|478123654|Бухгалтерия|Бухгалтер|2021-09-01",
                    "0004|Исмоилова Нодира Шавкатовна|41912900567890|Поддержка|Оператор поддержки|2020-03-02",
                    "0005|Хакимов Улугбек Баходирович|505678123|Склад|Кладовщик|2024-06-03|2025-03-11",
                ])
            // The transfer named its department and position by reference only: the catalogues give the names.
            #expect(try await table(warehouse, """
                SELECT effective_on, event, event_text, department, position, source_line FROM core.employee_history
                WHERE personnel_number = '0004' ORDER BY effective_on
                """) == ["2020-03-02|hire|Прием|Отдел продаж|Менеджер по продажам|492",
                         "2025-03-11|transfer|Перемещение|Поддержка|Оператор поддержки|758"])
            for arguments in [
                ["import", "hr-shifts", Self.samples + "/hr/shifts.csv"],
                ["import", "hr-absences", Self.samples + "/hr/absences.csv"],
                ["import", "skud-person-map", Self.samples + "/hr/person-map.csv"],
                ["import", "skud-zkteco", Self.samples + "/skud/1_attlog.dat"],
                ["import", "skud-csv", Self.samples + "/skud/turnstile_export.csv"],
            ] {
                let result = try await run(arguments, warehouse)
                #expect(result.status == 0, "\(arguments): \(result.text)")
            }
            let build = try await run(["attendance", "build", "--month", "2025-03"], warehouse)
            #expect(build.status == 0, "\(build.text)")
            // 0005's last day is 11 March: 20 days fewer than a whole month's 310.
            #expect(build.text.contains("10 employee(s), 290 day(s), 290 changed"), "\(build.text)")
            #expect(try await table(warehouse, """
                SELECT personnel_number, work_date, department, status FROM core.attendance_days
                WHERE personnel_number IN ('0004', '0005') AND work_date BETWEEN '2025-03-10' AND '2025-03-12'
                ORDER BY 1, 2
                """) == ["0004|2025-03-10|Отдел продаж|incomplete", "0004|2025-03-11|Поддержка|present",
                         "0004|2025-03-12|Поддержка|leave",
                         "0005|2025-03-10|Склад|incomplete", "0005|2025-03-11|Склад|incomplete"])
            #expect(try await table(warehouse, """
                SELECT department, days_present + days_late + days_incomplete + days_absent + days_leave, full_name
                FROM mart.attendance_month WHERE personnel_number = '0004' ORDER BY department
                """) == ["Отдел продаж|6|Исмоилова Нодира Шавкатовна", "Поддержка|17|Исмоилова Нодира Шавкатовна"])

            let again = try await run(["import", "zup-enterprisedata", Self.message], warehouse)
            #expect(again.status == 0 && again.text.contains("message 7 from ZUP was already accepted"), "\(again.text)")
            let rebuild = try await run(["attendance", "build", "--month", "2025-03"], warehouse)
            #expect(rebuild.text.contains("290 day(s), 0 changed"), "\(rebuild.text)")
        }
    }

    @Test("a resend under a new number changes nothing; a corrected transfer and a deleted dismissal apply")
    func resendCorrectionDeletion() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            #expect(try await run(["import", "zup-enterprisedata", Self.message], warehouse).status == 0)
            let resend = try await run(["import", "zup-enterprisedata", try variant(files, number: 8)], warehouse)
            #expect(resend.text.contains("loaded 0, duplicates 42"), "\(resend.text)")
            #expect(resend.text.contains("30 unchanged; history objects 0 new, 0 updated, 12 unchanged"), "\(resend.text)")

            // ZUP moved the transfer to 12 March.
            let corrected = try variant(files, number: 9, [
                ("<ДатаСобытия>2025-03-11T00:00:00</ДатаСобытия>\n\t\t\t\t</Строка>\n\t\t\t</Записи>\n\t\t</Справочник.КадроваяИсторияСотрудников>\n\t\t<Справочник.КадроваяИсторияСотрудников>",
                 "<ДатаСобытия>2025-03-12T00:00:00</ДатаСобытия>\n\t\t\t\t</Строка>\n\t\t\t</Записи>\n\t\t</Справочник.КадроваяИсторияСотрудников>\n\t\t<Справочник.КадроваяИсторияСотрудников>"),
            ])
            let correction = try await run(["import", "zup-enterprisedata", corrected], warehouse)
            #expect(correction.text.contains("history objects 0 new, 1 updated, 11 unchanged"), "\(correction.text)")
            #expect(try await table(warehouse, """
                SELECT effective_on, event FROM core.employee_history WHERE personnel_number = '0004' ORDER BY 1
                """) == ["2020-03-02|hire", "2025-03-12|transfer"])

            // ZUP deleted the dismissal order: 0005 is employed again, the order's record stays, marked.
            let dismissal = try await table(warehouse, """
                SELECT registrar_ref FROM core.employee_history WHERE event = 'dismissal'
                """)
            #expect(dismissal.count == 1)
            let deletion = """
                <УдалениеОбъекта><СсылкаНаОбъект><СсылкаНаОбъект><КадроваяИсторияСотрудниковСсылка>\(dismissal[0])\
                </КадроваяИсторияСотрудниковСсылка></СсылкаНаОбъект></СсылкаНаОбъект></УдалениеОбъекта>
                """
            // The deletion comes in a message of its own, as 1C sends a deletion of an object sent before.
            let next = try String(contentsOfFile: try variant(files, number: 10), encoding: .utf8)
            let head = next.components(separatedBy: "<Body")[0]
            let path = try files.write("Message_ZUP_CRM_deletion.xml", Data((head + """
                <Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17">
                \(deletion)
                </Body>
                </Message>
                """).utf8))
            let applied = try await run(["import", "zup-enterprisedata", path], warehouse)
            #expect(applied.text.contains("deletions 1 marked, 0 of objects never received"), "\(applied.text)")
            #expect(try await table(warehouse, """
                SELECT coalesce(dismissed_on::text, 'employed'), (SELECT bool_and(deleted) FROM core.employee_history
                                                                  WHERE event = 'dismissal')
                FROM core.employees WHERE personnel_number = '0005'
                """) == ["employed|true"])
        }
    }

    @Test("an event word the settings do not know sets its history object aside with path and line; a settings file naming it loads it")
    func unknownEventWord() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let odd = try variant(files, number: 7, [("<ВидСобытия>Перемещение</ВидСобытия>",
                                                      "<ВидСобытия>ПереводНаДругуюДолжность</ВидСобытия>")])
            let first = try await run(["import", "zup-enterprisedata", odd], warehouse)
            #expect(first.status == 3, "\(first.text)")
            #expect(first.text.contains("read 42, loaded 41, duplicates 0, quarantined 1"), "\(first.text)")
            #expect(try await table(warehouse, """
                SELECT position, record_kind, field, path FROM ops.quarantine
                """) == ["759|Справочник.КадроваяИсторияСотрудников|ВидСобытия|Message/Body/Справочник.КадроваяИсторияСотрудников[41]/Записи/Строка[1]/ВидСобытия"])
            #expect(try await table(warehouse, "SELECT department FROM core.employees WHERE personnel_number = '0004'")
                    == ["Отдел продаж"])

            let settings = try files.write("zup.yaml", Data("""
                version: 1
                events:
                  transfer: [Перемещение, ПереводНаДругуюДолжность]
                """.utf8))
            let fixed = try await run(["import", "zup-enterprisedata", try variant(files, number: 8, [
                ("<ВидСобытия>Перемещение</ВидСобытия>", "<ВидСобытия>ПереводНаДругуюДолжность</ВидСобытия>")]),
                "--settings", settings], warehouse)
            #expect(fixed.status == 0, "\(fixed.text)")
            #expect(try await table(warehouse, "SELECT department FROM core.employees WHERE personnel_number = '0004'")
                    == ["Поддержка"])
        }
    }

    @Test("1c-enterprisedata keeps ZUP's staff objects raw and skips them; zup-enterprisedata skips accounting objects")
    func eachKindItsOwnObjects() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let accounting = try await run(["import", "1c-enterprisedata", Self.message], warehouse)
            #expect(accounting.text.contains("skipped (type not mapped) 42"), "\(accounting.text)")
            #expect(try await table(warehouse, "SELECT count(*) FROM core.employees") == ["0"])
            let staff = try await run(["import", "zup-enterprisedata", Self.samples + "/1c/Message_BP_CRM.xml"],
                                      warehouse)
            #expect(staff.status == 0, "\(staff.text)")
            #expect(try await table(warehouse, "SELECT count(*) FROM core.invoices") == ["0"])
            #expect(try await table(warehouse, "SELECT personnel_number, hired_on FROM core.employees")
                    == ["0000-00031|2024-04-01"])
        }
    }
}
