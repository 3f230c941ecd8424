import CRMWarehouse
import Calendars
import Connectors
import Foundation
import HubCore

/// The calendars benchmark: M generated Outlook mailboxes of 300 events each (a third of them recurring, with
/// EXDATEs, a moved and a cancelled occurrence; a fifth in a zone with daylight saving; some meetings in two
/// mailboxes), expanded over 2026.
///
///   swift build -c release && .build/release/CRMHubBenchmarks --calendar-mailboxes 200 [--rounds R]
///
/// Per round: the files parsed alone (ICSFile, libical per VEVENT) and parsed and expanded
/// (CalendarFileReading: zones, RRULE iteration, overrides), in this process (target: ≤ 10 s for 200 mailboxes);
/// then `crmhub import calendar-ics` of the folder into a fresh database as a separate process (wall time, peak
/// RSS), and `psql \copy` of the rows it wrote into tables of the same shape.
enum CalendarBenchmark {
    static let eventsPerMailbox = 300

    static func run(mailboxes: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let folder = context.outDirectory + "/calendars_\(mailboxes)"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        say("generating \(mailboxes) mailboxes of \(eventsPerMailbox) events…")
        let files = try (0..<mailboxes).map { try generate(mailbox: $0, of: mailboxes, folder: folder) }
        let window = Int64(1_767_225_600)..<Int64(1_798_761_600) // 2026-01-01 .. 2027-01-01 UTC
        let zone = TimeZone(identifier: "Asia/Tashkent")!
        var parseSeconds: [Double] = [], expandSeconds: [Double] = [], importSeconds: [Double] = []
        var copySeconds: [Double] = []
        var occurrences = 0, events = 0, peakImport = 0
        let psql = try findPsql()
        let settings = context.settings
        for round in 1...rounds {
            let parseStart = ContinuousClock.now
            events = 0
            for file in files {
                var reader = try ICSFile(path: file)
                while try reader.readChunk(emit: { if case .event = $0 { events += 1 } }) {}
            }
            parseSeconds.append(seconds(parseStart.duration(to: .now)))
            let expandStart = ContinuousClock.now
            occurrences = 0
            for file in files {
                let reading = try CalendarFileReading.read(path: file, defaultZone: zone, window: window)
                guard reading.expansion.rejected.isEmpty else {
                    throw HubError(.io, "\(file): \(reading.expansion.rejected.count) VEVENTs rejected")
                }
                occurrences += reading.expansion.occurrences.count
            }
            expandSeconds.append(seconds(expandStart.duration(to: .now)))

            try await context.recreateDatabase()
            _ = try await Warehouse.open(settings, logger: context.logger) { try await Migrator.bundled().migrate($0) }
            let imported = try ChildProcess.run(context.crmhub, ["import", "calendar-ics", folder, "--from",
                                                                 "2026-01-01", "--to", "2027-01-01"],
                                                environment: ["DATABASE_URL": settings.urlWithCredentials])
            guard imported.status == 0 else { say(imported.text); throw HubError(.io, "crmhub import calendar-ics failed") }
            let (stored, merged, keys) = try await Warehouse.open(settings, logger: context.logger) { warehouse in
                (try await BankBenchmark.count("core.calendar_occurrence_views", warehouse),
                 try await BankBenchmark.count("core.calendar_occurrences", warehouse),
                 try await BankBenchmark.count(
                    "(SELECT DISTINCT event_uid, starts_at FROM core.calendar_occurrence_views) AS keys", warehouse))
            }
            guard stored == occurrences else {
                throw HubError(.database, "crmhub stored \(stored) occurrences, the expansion gave \(occurrences)")
            }
            // The merged table must hold one row per meeting and start, or the timing measured a load that skipped it.
            guard merged == keys else {
                throw HubError(.database, "core.calendar_occurrences holds \(merged) rows for \(keys) meetings and starts")
            }
            importSeconds.append(imported.seconds)
            peakImport = max(peakImport, imported.maxRSSBytes)
            let tables = ["core.calendar_events", "core.calendar_occurrence_views", "core.calendar_occurrences"]
            var out: [String] = [settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1"]
            var back: [String] = [settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1"]
            for (index, table) in tables.enumerated() {
                let rows = folder + "/table\(index).rows"
                out += ["-c", "\\copy \(table) TO '\(rows)'",
                        "-c", "CREATE TABLE public.bench_\(index) (LIKE \(table) INCLUDING ALL)"]
                back += ["-c", "\\copy public.bench_\(index) FROM '\(rows)'"]
            }
            let dump = try ChildProcess.run(psql, out + ["-c", "CHECKPOINT"])
            guard dump.status == 0 else { say(dump.text); throw HubError(.io, "psql could not copy the rows out") }
            let copy = try ChildProcess.run(psql, back)
            guard copy.status == 0 else { say(copy.text); throw HubError(.io, "psql \\copy exited with \(copy.status)") }
            copySeconds.append(copy.seconds)
            say(String(format: "round %d: parse %.2f s | parse + expand %.2f s | crmhub import calendar-ics %.2f s "
                        + "(peak RSS %.0f MB) | psql \\copy %.2f s", round, parseSeconds.last!, expandSeconds.last!,
                       imported.seconds, Double(imported.maxRSSBytes) / 1_048_576, copy.seconds))
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        say(String(format: """

            calendars benchmark (%d mailboxes, %d VEVENTs, %d occurrences in 2026, median of %d rounds)
              parse alone (ICSFile + libical)     : %6.2f s
              parse + expand (zones, RRULE, ...)  : %6.2f s  (target ≤ 10 s; %.2f× parsing alone)
              peak RSS of this process            : %6.0f MB
              crmhub import calendar-ics (all)    : %6.2f s  (peak RSS %.0f MB)
              psql \\copy (same rows)              : %6.2f s
              ratio                               : %.2f× psql \\copy
            """, mailboxes, events, occurrences, rounds, median(parseSeconds), median(expandSeconds),
            median(expandSeconds) / max(median(parseSeconds), 0.001), Double(usage.ru_maxrss) / 1024,
            median(importSeconds), Double(peakImport) / 1_048_576, median(copySeconds),
            median(copySeconds) / max(median(importSeconds), 0.001)))
    }

    /// One mailbox's calendar as Outlook exports it; its path.
    static func generate(mailbox: Int, of mailboxes: Int, folder: String) throws -> String {
        var generator = SplitMix(seed: 20_260_101 &+ UInt64(mailbox))
        var lines = ["BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", "VERSION:2.0",
                     "X-WR-CALNAME:Mailbox \(mailbox)",
                     "BEGIN:VTIMEZONE", "TZID:West Asia Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T000000",
                     "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500", "END:STANDARD", "END:VTIMEZONE",
                     "BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T030000",
                     "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
                     "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
                     "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        func stamp(_ day: Int, _ hour: Int, _ minute: Int = 0) -> String {
            let date = CalendarDate(year: 2026, month: 1, day: 1)!.adding(days: day)
            return "\(date.year)\(two(date.month))\(two(date.day))T\(two(hour))\(two(minute))00"
        }
        func event(_ uid: String, _ zone: String, day: Int, hour: Int, minutes: Int, summary: String,
                   extra: [String]) {
            lines += ["BEGIN:VEVENT", "UID:\(uid)", "DTSTAMP:20251201T090000Z",
                      "DTSTART;TZID=\(zone):\(stamp(day, hour))",
                      "DTEND;TZID=\(zone):\(stamp(day, hour + minutes / 60, minutes % 60))",
                      "SUMMARY;LANGUAGE=ru:\(summary)", "LOCATION:Ташкент\\, офис \(day % 7)",
                      "ORGANIZER;CN=\"Mailbox \(day % 9)\":mailto:user\(day % 9)@acme-demo.uz",
                      "ATTENDEE;CN=Client;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:client\(day % 50)@client.uz"]
                + extra + ["X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT"]
        }
        for index in 0..<eventsPerMailbox {
            // Every tenth single is shared with the next mailbox: one meeting in two calendars, the same in both.
            let shared = index % 10 == 1
            let owner = shared && mailbox % 2 == 1 ? mailbox - 1 : mailbox
            var own = SplitMix(seed: UInt64(owner) &* 1_000 &+ UInt64(index))
            var draw: UInt64 { shared ? own.next() : generator.next() }
            let zone = draw % 5 == 0 ? "W. Europe Standard Time" : "West Asia Standard Time"
            let day = Int(draw % 330), hour = 9 + Int(draw % 8), length = 30 + Int(draw % 4) * 15
            if index % 3 == 0 {
                let uid = "series-\(mailbox)-\(index)"
                let rule: String
                switch generator.next() % 3 {
                case 0: rule = "FREQ=WEEKLY;COUNT=\(20 + generator.next() % 33);BYDAY=MO"
                case 1: rule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261231T000000Z"
                default: rule = "FREQ=MONTHLY;BYDAY=2TU"
                }
                // Starts on a Monday of 2026 (5 January is one), so that the overrides below hit real slots.
                let monday = 4 + 7 * (day % 40)
                event(uid, zone, day: monday, hour: hour, minutes: 60, summary: "Планёрка \(index)",
                      extra: ["RRULE:\(rule)", "EXDATE;TZID=\(zone):\(stamp(monday + 14, hour))"])
                guard !rule.hasPrefix("FREQ=MONTHLY") else { continue }
                event(uid, zone, day: monday + 8, hour: hour + 1, minutes: 30, summary: "Планёрка \(index) (перенесено)",
                      extra: ["RECURRENCE-ID;TZID=\(zone):\(stamp(monday + 7, hour))", "SEQUENCE:1"])
                event(uid, zone, day: monday + 21, hour: hour, minutes: 60, summary: "Планёрка \(index)",
                      extra: ["RECURRENCE-ID;TZID=\(zone):\(stamp(monday + 21, hour))", "STATUS:CANCELLED"])
            } else {
                let uid = shared ? "shared-\(owner)-\(index)" : "single-\(mailbox)-\(index)"
                event(uid, zone, day: day, hour: hour, minutes: length,
                      summary: "Встреча с клиентом \(index)", extra: [])
            }
        }
        lines.append("END:VCALENDAR")
        let path = folder + "/mailbox-\(mailbox).ics"
        try ("\u{FEFF}" + lines.map(ICSWriter.folded).joined(separator: "\r\n") + "\r\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
