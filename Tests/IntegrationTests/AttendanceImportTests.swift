import Attendance
import CRMWarehouse
import Connectors
import Foundation
import HubCore
import PostgresNIO
import Testing

/// HR's chain end to end through the command line: shifts, absences and the person map, then punches from a
/// ZKTeco terminal and a turnstile export, then the month's attendance; every step run twice.
@Suite("attendance from HR files and punches")
struct AttendanceImportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    struct Day: Equatable, CustomStringConvertible {
        var status: String
        var minutes: Int
        var provisional: Bool
        var description: String { "\(status) \(minutes) min\(provisional ? " (provisional)" : "")" }
    }

    func day(_ warehouse: Warehouse, _ number: String, _ date: String) async throws -> Day? {
        let rows = try await warehouse.client.query("""
            SELECT status, worked_minutes, provisional FROM core.attendance_days
            WHERE personnel_number = \(number) AND work_date = \(date)::date
            """, logger: warehouse.logger).collect()
        return try rows.first.map { row in
            let (status, minutes, provisional) = try row.decode((String, Int, Bool).self)
            return Day(status: status, minutes: minutes, provisional: provisional)
        }
    }

    func run(_ arguments: [String], _ warehouse: Warehouse) async throws -> ChildProcess.Output {
        try await CLITests().crmhub(arguments, database: warehouse.settings)
    }

    @Test("the samples: each rule on a real day, the unknown PIN for review, and a second pass changes nothing")
    func samples() async throws {
        let samples = Self.repository + "/samples"
        let imports = [
            ["import", "hr-shifts", samples + "/hr/shifts.csv"],
            ["import", "hr-absences", samples + "/hr/absences.csv"],
            ["import", "skud-person-map", samples + "/hr/person-map.csv"],
            ["import", "skud-zkteco", samples + "/skud/1_attlog.dat"],
        ]
        try await TestDatabase.withFreshWarehouse { warehouse in
            for arguments in imports {
                let result = try await run(arguments, warehouse)
                #expect(result.status == 0, "\(arguments): \(result.text)")
            }
            let build = try await run(["attendance", "build", "--month", "2025-03"], warehouse)
            #expect(build.status == 0, "\(build.text)")
            #expect(build.text.contains("2025-03: 10 employee(s), 310 day(s), 310 changed"), "\(build.text)")

            // Lunch exits (break-out, break-in) are not worked: 4:09:56 + 4:15:38.
            #expect(try await day(warehouse, "0001", "2025-03-10") == Day(status: "present", minutes: 505, provisional: false))
            #expect(try await day(warehouse, "0002", "2025-03-10") == Day(status: "late", minutes: 523, provisional: false))
            // A night shift belongs to the day it starts; two exits 3 s apart are one.
            #expect(try await day(warehouse, "0003", "2025-03-10") == Day(status: "present", minutes: 490, provisional: false))
            #expect(try await day(warehouse, "0003", "2025-03-11") == Day(status: "present", minutes: 483, provisional: false))
            // A forgotten out-punch is never closed.
            #expect(try await day(warehouse, "0004", "2025-03-10") == Day(status: "incomplete", minutes: 0, provisional: false))
            // Vacation over a weekend; sick leave.
            #expect(try await day(warehouse, "0004", "2025-03-15")?.status == "leave")
            #expect(try await day(warehouse, "0002", "2025-03-13")?.status == "leave")
            // The terminal has sent nothing after 12 March 08:49:59: that day is not final yet.
            #expect(try await day(warehouse, "0001", "2025-03-12") == Day(status: "incomplete", minutes: 0, provisional: true))
            #expect(try await day(warehouse, "0001", "2025-03-03") == Day(status: "absent", minutes: 0, provisional: false))
            #expect(try await day(warehouse, "0001", "2025-03-08") == Day(status: "weekend", minutes: 0, provisional: false))

            // Punches stream in slices; slices of seven (employees cut in the middle) build exactly the same days.
            let sliced = try await AttendanceRun.build(warehouse: warehouse, month: AttendanceMonth.dates(ofMonth: "2025-03")!,
                                                       settingsPath: Self.repository + "/mappings/attendance.yaml",
                                                       fetchRows: 7)
            #expect(sliced.days == 310 && sliced.changed == 0, "\(sliced)")

            let unmapped = try await run(["attendance", "unmapped"], warehouse)
            #expect(unmapped.text.contains("zkteco,1009: 1 punch(es), 2025-03-12 07:12:05 – 2025-03-12 07:12:05 "
                                           + "(Asia/Tashkent)"), "\(unmapped.text)")
            let incomplete = try await run(["attendance", "incomplete", "--month", "2025-03"], warehouse)
            #expect(incomplete.text.contains("2025-03-10 0004"), "\(incomplete.text)")
            #expect(incomplete.text.contains("2025-03-10 08:58:02 in @zkteco:1"), "\(incomplete.text)")

            // HR's timesheet, as LibreOffice reads it: codes and hours per day, the month's totals per employee.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crmhub-t13-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let xlsx = folder.appendingPathComponent("timesheet.xlsx").path
            let written = try await run(["report", "timesheet", "--month", "2025-03", "--out", xlsx,
                                         "--organization", "ООО Пример"], warehouse)
            #expect(written.status == 0 && written.text.contains("10 employee line(s) for 2025-03 (provisional"),
                    "\(written.text)")
            let converted = try LibreOffice.convertToCSV(xlsx, in: folder)
            #expect(converted.status == 0, "\(converted.text)")
            // One CSV per sheet, named after the workbook and the sheet.
            let sheet = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .first { $0.hasPrefix("timesheet") && $0.hasSuffix(".csv") })
            #expect(sheet == "timesheet-Т-13 2025-03.csv")
            let csv = try String(contentsOf: folder.appendingPathComponent(sheet), encoding: .utf8)
            let rows = CSVText.rows(csv)
            #expect(rows.contains { $0.contains("Табель учета рабочего времени (форма Т-13), ООО Пример") })
            let code = try #require(rows.first { $0.count > 4 && $0[2] == "0001" && $0[3] == "код" })
            let hours = try #require(rows.firstIndex { $0.count > 4 && $0[2] == "0001" }).advanced(by: 1)
            // Day 10 is column 4 + 9; day 8 (Saturday) a weekend; day 12 still to settle.
            #expect(code[13] == "Я" && code[11] == "В" && code[15] == "?" && code[6] == "НН", "\(code)")
            #expect(rows[hours][13] == "8.42" && rows[hours][14] == "9.42", "\(rows[hours])")
            #expect(code[4 + 31] == "2" && code[5 + 31] == "17.83", "\(code)")

            // The turnstile export: its refusal is kept and not counted; its passages join the terminal's.
            let turnstile = try await run(["import", "skud-csv", samples + "/skud/turnstile_export.csv"], warehouse)
            #expect(turnstile.status == 0, "\(turnstile.text)")
            let denied = try await warehouse.client.query("""
                SELECT count(*)::int FROM core.punches WHERE event_kind = 'denied' AND person_key = '0F3C9A77'
                """, logger: warehouse.logger).collect().first!.decode(Int.self)
            #expect(denied == 1)
            let rebuilt = try await run(["attendance", "build", "--month", "2025-03"], warehouse)
            #expect(rebuilt.status == 0, "\(rebuilt.text)")

            // Everything again: nothing changes.
            for arguments in imports + [["import", "skud-csv", samples + "/skud/turnstile_export.csv"]] {
                let again = try await run(arguments, warehouse)
                #expect(again.status == 0 && again.text.contains("already loaded"), "\(arguments): \(again.text)")
            }
            let again = try await run(["attendance", "build", "--month", "2025-03"], warehouse)
            #expect(again.text.contains("310 day(s), 0 changed"), "\(again.text)")
        }
    }

    @Test("two punch files that overlap add each punch once: the second goes staged and adds only what is new")
    func overlappingPunchFiles() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let sample = try String(contentsOfFile: Self.repository + "/samples/skud/1_attlog.dat", encoding: .utf8)
        let lines = sample.split(separator: "\r\n").map(String.init)
        let first = try files.write("1_attlog.dat", Data((lines.prefix(20).joined(separator: "\r\n") + "\r\n").utf8))
        try FileManager.default.createDirectory(atPath: files.directory + "/later", withIntermediateDirectories: true)
        let later = try files.write("later/1_attlog.dat", Data((lines.joined(separator: "\r\n")
            + "\r\n     1001\t2025-03-12 18:01:00\t1\t1\t1\t0\r\n").utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let one = try await run(["import", "skud-zkteco", first], warehouse)
            #expect(one.text.contains("read 20, loaded 20, duplicates 0"), "\(one.text)")
            let two = try await run(["import", "skud-zkteco", later], warehouse)
            #expect(two.status == 0 && two.text.contains("read 31, loaded 11, duplicates 20"), "\(two.text)")
            let stored = try await warehouse.client.query("SELECT count(*)::int FROM core.punches",
                                                          logger: warehouse.logger).collect().first!.decode(Int.self)
            #expect(stored == 31)
        }
    }

    @Test("a terminal silent for five weeks no longer holds its employees' days back")
    func retiredTerminal() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let shifts = try files.write("shifts.csv", Data("""
            personnel_number,shift_start,shift_end,workdays,late_grace_minutes,window_before_minutes,window_after_minutes
            0001,09:00,18:00,Mon-Fri,10,60,60

            """.utf8))
        let map = try files.write("map.csv", Data("source,person_key,personnel_number\nzkteco,1001,0001\n".utf8))
        // Terminal 1 was last used in January; terminal 2 has reported up to the evening of 31 March.
        let old = try files.write("1_attlog.dat", Data("     1001\t2025-01-10 08:55:00\t1\t0\t1\t0\r\n".utf8))
        let new = try files.write("2_attlog.dat", Data(("     1001\t2025-03-28 08:55:00\t2\t0\t1\t0\r\n"
            + "     1001\t2025-03-28 18:05:00\t2\t1\t1\t0\r\n     1001\t2025-03-31 20:00:00\t2\t1\t1\t0\r\n").utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            for arguments in [["import", "hr-shifts", shifts], ["import", "skud-person-map", map],
                              ["import", "skud-zkteco", old], ["import", "skud-zkteco", new],
                              ["attendance", "build", "--month", "2025-03"]] {
                let result = try await run(arguments, warehouse)
                #expect(result.status == 0, "\(arguments): \(result.text)")
            }
            #expect(try await day(warehouse, "0001", "2025-03-28") == Day(status: "present", minutes: 550, provisional: false))
        }
    }

    @Test("a later HR file replaces what an earlier one said for the same employee and days; bad lines quarantined")
    func laterFilesReplace() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let first = try files.write("absences-1.csv", Data("""
            personnel_number,date_from,date_to,kind
            0001,2026-07-01,2026-07-10,vacation

            """.utf8))
        let second = try files.write("absences-2.csv", Data("""
            personnel_number,date_from,date_to,kind
            0001,2026-07-05,2026-07-06,sick_leave
            0001,2026-07-09,2026-07-08,vacation
            0002,2026-07-01,2026-07-01,Отпуск

            """.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            #expect(try await run(["import", "hr-absences", first], warehouse).status == 0)
            let result = try await run(["import", "hr-absences", second], warehouse)
            #expect(result.status == 3, "\(result.text)")
            #expect(result.text.contains("quarantined \(second):3: date_from 2026-07-09 is after date_to 2026-07-08"),
                    "\(result.text)")
            #expect(result.text.contains("quarantined \(second):4: kind 'Отпуск'"), "\(result.text)")
            let kinds = try await warehouse.client.query("""
                SELECT string_agg(kind, ',' ORDER BY day) FROM core.absence_days WHERE personnel_number = '0001'
                """, logger: warehouse.logger).collect().first!.decode(String.self)
            #expect(kinds == "vacation,vacation,vacation,vacation,sick_leave,sick_leave,vacation,vacation,vacation,vacation")
        }
    }
}
