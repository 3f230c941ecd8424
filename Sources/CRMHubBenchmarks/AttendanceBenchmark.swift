import CRMWarehouse
import Foundation
import HubCore
import Logging

/// The attendance benchmark: a month of punches for N employees imported as `skud-zkteco`, against `psql \copy`
/// of the same `core.punches` rows in the same run, then the month's build.
///
///   swift build -c release && .build/release/CRMHubBenchmarks --attendance-employees 5000 [--rounds R]
///
/// Generates July 2026 for N employees (nine in ten on a Mon–Fri day shift, one in ten on a nightly 22:00–06:00
/// shift): per shift an entry, a lunch exit and return, a short break and an exit, and on one day in four a
/// second entry two seconds after the first, as a double tap does — about 200 punches per employee and month,
/// so 5,000 employees give about a million. Writes the terminal's `1_attlog.dat`, the shifts and the person map
/// (loaded first, not timed), and the `core.punches` rows the file must become (COPY text). Per round: a fresh
/// database; `crmhub import skud-zkteco` timed as a separate process (wall time and peak RSS); `psql \copy` of
/// the rows into a table of the same shape (LIKE core.punches INCLUDING ALL); then `crmhub attendance build
/// --month 2026-07` timed the same way. Fails unless both loads hold the same rows and the build wrote one day
/// per employee and date.
enum AttendanceBenchmark {
    static let month = "2026-07"
    static let columns = ["source", "device", "person_key", "person_name", "punched_at", "local_time", "time_zone",
                          "direction", "event_kind", "event_text", "batch_id", "source_line", "raw"]

    static func run(employees: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let logger = context.logger
        let folder = context.outDirectory + "/attendance_\(employees)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let log = folder + "/1_attlog.dat", rows = folder + "/punches.rows"
        let shifts = folder + "/shifts.csv", map = folder + "/person-map.csv"
        say("generating a month of punches for \(employees) employees…")
        let punches = try generate(employees: employees, log: log, rows: rows, shifts: shifts, map: map)
        say("  \(punches) punches, \(fileSize(log) / 1_000_000) MB")

        let settings = context.settings
        let psql = try findPsql()
        var importSeconds: [Double] = [], copySeconds: [Double] = [], buildSeconds: [Double] = []
        var peakImport = 0, peakBuild = 0
        let environment = ["DATABASE_URL": settings.urlWithCredentials]
        for round in 1...rounds {
            try await context.recreateDatabase()
            _ = try await Warehouse.open(settings, logger: logger) { try await Migrator.bundled().migrate($0) }
            for (kind, path) in [("hr-shifts", shifts), ("skud-person-map", map)] {
                let setup = try ChildProcess.run(context.crmhub, context.importArguments(kind, path),
                                                 environment: environment)
                guard setup.status == 0 else { say(setup.text); throw HubError(.io, "crmhub import \(kind) failed") }
            }
            let imported = try ChildProcess.run(context.crmhub, context.importArguments("skud-zkteco", log),
                                                environment: environment)
            guard imported.status == 0 else { say(imported.text); throw HubError(.io, "crmhub import skud-zkteco failed") }
            let loaded = try await Warehouse.open(settings, logger: logger) { warehouse in
                try await BankBenchmark.count("core.punches", warehouse)
            }
            guard loaded == punches else {
                throw HubError(.database, "crmhub import skud-zkteco loaded \(loaded) punches, expected \(punches)")
            }
            importSeconds.append(imported.seconds)
            peakImport = max(peakImport, imported.maxRSSBytes)

            try await Warehouse.open(settings, logger: logger) { warehouse in
                try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_punches", logger: logger)
                try await warehouse.client.query("CREATE TABLE public.bench_punches (LIKE core.punches INCLUDING ALL)",
                                                 logger: logger)
                try await warehouse.client.query("CHECKPOINT", logger: logger)
            }
            let copy = try ChildProcess.run(psql, [
                settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1", "-c",
                "\\copy public.bench_punches (\(columns.joined(separator: ","))) FROM '\(rows)'",
            ])
            guard copy.status == 0 else { say(copy.text); throw HubError(.io, "psql \\copy exited with \(copy.status)") }
            try await Warehouse.open(settings, logger: logger) { warehouse in
                let copied = try await BankBenchmark.count("public.bench_punches", warehouse)
                let same = try await BankBenchmark.count("""
                    core.punches c JOIN public.bench_punches r USING (source, device, person_key, punched_at, direction,
                                                                      event_kind, raw)
                    """, warehouse)
                guard copied == loaded, same == loaded else {
                    throw HubError(.database, "psql \\copy loaded \(copied) reference punches, \(same) equal to "
                                   + "crmhub's \(loaded): the benchmark would compare different work")
                }
            }
            copySeconds.append(copy.seconds)

            let built = try ChildProcess.run(context.crmhub, ["attendance", "build", "--month", month],
                                             environment: environment)
            guard built.status == 0, built.text.contains("\(employees) employee(s), \(employees * 31) day(s)") else {
                say(built.text)
                throw HubError(.io, "crmhub attendance build did not build \(employees * 31) days")
            }
            buildSeconds.append(built.seconds)
            peakBuild = max(peakBuild, built.maxRSSBytes)
            say(String(format: "round %d: crmhub import skud-zkteco %.2f s (peak RSS %.0f MB) | psql \\copy %.2f s | "
                        + "crmhub attendance build %.2f s (peak RSS %.0f MB)", round, imported.seconds,
                       Double(imported.maxRSSBytes) / 1_048_576, copy.seconds, built.seconds,
                       Double(built.maxRSSBytes) / 1_048_576))
        }
        let importRate = Double(punches) / median(importSeconds)
        let copyRate = Double(punches) / median(copySeconds)
        say(String(format: """

            attendance benchmark (%d employees, %d punches, median of %d rounds)
              crmhub import skud-zkteco : %8.0f punches/s  (%.2f s end to end)
              psql \\copy (same rows)    : %8.0f rows/s     (%.2f s)
              ratio                     : %.2f× (target ≥ 0.5)
              crmhub attendance build   : %.2f s for %d days (target ≤ 20 s)
              peak RSS                  : import %.0f MB, build %.0f MB (target ≤ 200 MB)
            """, employees, punches, rounds, importRate, median(importSeconds), copyRate, median(copySeconds),
            importRate / copyRate, median(buildSeconds), employees * 31, Double(peakImport) / 1_048_576,
            Double(peakBuild) / 1_048_576))
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Writes the inputs; the number of punches.
    static func generate(employees: Int, log: String, rows: String, shifts: String, map: String) throws -> Int {
        var attlog = Data(), reference = Data()
        var shiftLines = "personnel_number,shift_start,shift_end,workdays,late_grace_minutes,window_before_minutes,"
            + "window_after_minutes\n"
        var mapLines = "source,person_key,personnel_number\n"
        var line = 0
        var generator = SplitMix(seed: 20_260_701)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        func punch(_ pin: String, day: Int, second: Int, state: Int, direction: String) {
            // A night shift's exit falls on the next day; 1 August is outside the month, as in real life.
            let (extraDay, secondOfDay) = second.quotientAndRemainder(dividingBy: 86_400)
            let date = CalendarDate(year: 2026, month: 7, day: 1)!.adding(days: day - 1 + extraDay)
            let clock = "\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
            let local = "\(date.iso) \(clock)"
            let text = String(repeating: " ", count: max(0, 9 - pin.count)) + pin + "\t\(local)\t1\t\(state)\t1\t0"
            line += 1
            attlog.append(contentsOf: Array((text + "\r\n").utf8))
            let fields = ["zkteco", "1", pin, "\\N", "\(local)+05", local, "Asia/Tashkent", direction, "pass", "\\N",
                          "1", String(line), text.replacingOccurrences(of: "\t", with: "\\t")]
            reference.append(contentsOf: Array((fields.joined(separator: "\t") + "\n").utf8))
        }
        for index in 1...employees {
            let number = String(format: "E%05d", index), pin = String(10_000 + index)
            let night = index % 10 == 0
            shiftLines += night ? "\(number),22:00,06:00,Mon-Sun,15,60,90\n" : "\(number),09:00,18:00,Mon-Fri,10,60,60\n"
            mapLines += "zkteco,\(pin),\(number)\n"
            for day in 1...31 {
                let sinceEpoch = CalendarDate(year: 2026, month: 7, day: day)!.dayNumber
                    - CalendarDate.dayNumber(year: 1970, month: 1, day: 1)
                let isoWeekday = (sinceEpoch + 3) % 7 + 1  // 1970-01-01 was a Thursday
                guard night || isoWeekday <= 5 else { continue }
                let start = night ? 22 * 3_600 : 9 * 3_600
                let arrive = start - 900 + Int(generator.next() % 1_500)
                punch(pin, day: day, second: arrive, state: 0, direction: "in")
                if generator.next() % 4 == 0 { punch(pin, day: day, second: arrive + 2, state: 0, direction: "in") }
                let lunch = start + 4 * 3_600 + Int(generator.next() % 600)
                punch(pin, day: day, second: lunch, state: 2, direction: "break_out")
                punch(pin, day: day, second: lunch + 2_400 + Int(generator.next() % 600), state: 3, direction: "break_in")
                let pause = start + 6 * 3_600 + Int(generator.next() % 600)
                punch(pin, day: day, second: pause, state: 2, direction: "break_out")
                punch(pin, day: day, second: pause + 600, state: 3, direction: "break_in")
                punch(pin, day: day, second: start + 8 * 3_600 + 60 + Int(generator.next() % 900), state: 1,
                      direction: "out")
            }
        }
        try attlog.write(to: URL(fileURLWithPath: log))
        try reference.write(to: URL(fileURLWithPath: rows))
        try Data(shiftLines.utf8).write(to: URL(fileURLWithPath: shifts))
        try Data(mapLines.utf8).write(to: URL(fileURLWithPath: map))
        return line
    }
}

/// A small seeded generator (SplitMix64): the same inputs every run, so rounds and runs compare.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
