import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// `calls-mango` and `calls-asterisk` through the command, on the shared samples: every call's class, the
/// clients the rules make, re-imports that change nothing, bad lines quarantined.
@Suite("Call logs into the warehouse")
struct CallsImportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func sample(_ name: String) -> String { root.appendingPathComponent("samples/calls/\(name)").path }
    static let settings = root.appendingPathComponent("mappings/calls.yaml").path

    /// The class mango_stats_expected.csv names, from what the warehouse holds: the outcome, and the recall
    /// (mart.call_callbacks), after-hours, anonymous and short flags.
    static func classes(_ warehouse: Warehouse) async throws -> [String: String] {
        let rows = try await warehouse.client.query("""
            SELECT c.entry_id,
                   CASE WHEN c.direction = 'internal' THEN 'internal'
                        WHEN b.called_back_at <= c.started_at + make_interval(hours => s.callback_within_hours)
                            THEN c.outcome || '_recalled'
                        WHEN c.after_hours THEN c.outcome || '_after_hours'
                        WHEN c.outcome = 'answered' AND c.client_phone IS NULL THEN 'answered_anonymous'
                        WHEN c.outcome = 'answered' AND c.talk_seconds < s.short_talk_seconds THEN 'answered_short'
                        ELSE c.outcome END
            FROM core.calls c CROSS JOIN ops.call_center_settings s
            LEFT JOIN mart.call_callbacks b ON b.pbx = c.pbx AND b.entry_id = c.entry_id
            WHERE c.pbx = 'mango'
            """, logger: warehouse.logger).collect()
        var classes: [String: String] = [:]
        for row in rows {
            let (entry, name) = try row.decode((String, String).self)
            classes[entry] = name
        }
        return classes
    }

    static func table(_ warehouse: Warehouse, _ sql: String) async throws -> [String] {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            SELECT array_to_string(ARRAY(SELECT coalesce(value, '') FROM json_each_text(row_to_json(t))), '|')
            FROM (\(sql)) t
            """), logger: warehouse.logger).collect().map { try $0.decode(String.self) }
    }

    @Test("the MANGO sample: every call's class as expected, the seven clients the rules make, a second import changes nothing")
    func mangoSample() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let arguments = ["import", "calls-mango", Self.sample("mango-stats-2025-03-10.csv"), "--settings", Self.settings]
            let first = try await CLITests().crmhub(arguments, database: warehouse.settings)
            #expect(first.status == 0, "\(first.text)")
            #expect(first.text.contains("calls: 15 classified, 15 new, 0 changed; clients created: 7"), "\(first.text)")
            let expected = try String(contentsOfFile: Self.sample("expected-mango-stats-2025-03-10.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let classes = try await Self.classes(warehouse)
            #expect(classes.count == expected.count)
            for fields in expected {
                #expect(classes[String(fields[0])] == String(fields[1]), "\(fields[0]): \(fields.suffix(1))")
            }
            #expect(try await Self.table(warehouse, """
                SELECT name, phone, responsible_extension, created_by, source_line_number, source_line_name
                FROM core.clients ORDER BY client_id
                """) == [
                    "Новый (09:02 10.03.2025, входящий вызов)|+998901112233|101|incoming|998712000000|main",
                    "Новый (09:15 10.03.2025, пропущенный вызов)|+998935554411|102|missed|998712000000|main",
                    "Новый (10:12 10.03.2025, пропущенный вызов)|+998881239876|110|queue_missed|998712000000|main",
                    "Новый (10:30 10.03.2025, входящий вызов)|+998331112200|101|incoming|998712000000|main",
                    "Новый (11:00 10.03.2025, входящий вызов)|+79161234567|103|incoming|998712000000|main",
                    "Новый (14:05 10.03.2025, входящий вызов)|+998991234560|102|incoming|998712000099|site-tracking",
                    "Новый (15:20 10.03.2025, входящий вызов)|+998977778899|103|incoming|998712000001|support",
                ])
            // Every call of a known number points at its client; legs keep their file line and batch.
            #expect(try await Self.table(warehouse, """
                SELECT count(*) FILTER (WHERE client_phone IS NOT NULL AND client_id IS NULL),
                       count(*) FILTER (WHERE client_id IS NOT NULL) FROM core.calls
                """) == ["2|11"])  // no client: the after-hours KZ caller (IVR missed is off), the outgoing call
            #expect(try await Self.table(warehouse, """
                SELECT count(*), count(DISTINCT source_line), min(batch_id) = max(batch_id) FROM core.call_legs
                """) == ["17|17|true"])
            let missed = try await Self.table(warehouse, "SELECT entry_id, outcome FROM mart.missed_calls ORDER BY started_at")
            #expect(missed == ["YWNtZS1kZW1vOmVudHJ5OjAwMDU=|queue_missed", "YWNtZS1kZW1vOmVudHJ5OjAwMTA=|ivr_missed"])

            let calls = try await Self.table(warehouse, "SELECT * FROM core.calls ORDER BY entry_id")
            let second = try await CLITests().crmhub(arguments, database: warehouse.settings)
            #expect(second.status == 0 && second.text.contains("already loaded"), "\(second.text)")
            // The same legs in another file (a re-export): nothing is added, no call changes, no client is made.
            let files = try TemporaryFiles()
            defer { files.remove() }
            let text = try String(contentsOfFile: Self.sample("mango-stats-2025-03-10.csv"), encoding: .utf8)
            let reexport = try files.write("reexport.csv", Data(text.split(separator: "\n").reversed()
                .joined(separator: "\n").utf8))
            let third = try await CLITests().crmhub(["import", "calls-mango", reexport, "--settings", Self.settings],
                                                    database: warehouse.settings)
            #expect(third.status == 0, "\(third.text)")
            #expect(third.text.contains("loaded 0, duplicates 17"), "\(third.text)")
            // No leg is new, so no call is touched.
            #expect(third.text.contains("0 classified, 0 new, 0 changed; clients created: 0"), "\(third.text)")
            #expect(try await Self.table(warehouse, "SELECT * FROM core.calls ORDER BY entry_id") == calls)
        }
    }

    @Test("Asterisk after MANGO: its calls classified, its callers known by number, a bad line quarantined and the rest loaded")
    func asterisk() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let files = try TemporaryFiles()
            defer { files.remove() }
            _ = try await CLITests().crmhub(["import", "calls-mango", Self.sample("mango-stats-2025-03-10.csv"),
                                             "--settings", Self.settings], database: warehouse.settings)
            var text = try String(contentsOfFile: Self.sample("asterisk-Master-2025-03-10.csv"), encoding: .utf8)
            // A copy of the ring group's answered row with a month 13: its start cannot be read.
            let answeredRow = text.split(whereSeparator: \.isNewline)[1]
            text += answeredRow.replacingOccurrences(of: "\"2025-03-10 09:02:10\"", with: "\"2025-13-10 09:02:10\"") + "\n"
            let path = try files.write("Master.csv", Data(text.utf8))
            let run = try await CLITests().crmhub(["import", "calls-asterisk", path, "--settings", Self.settings],
                                                  database: warehouse.settings)
            #expect(run.status == 3, "\(run.text)")
            #expect(run.text.contains("read 11, loaded 10, duplicates 0, quarantined 1"), "\(run.text)")
            #expect(run.text.contains("8 classified, 8 new, 0 changed; clients created: 0"), "\(run.text)")
            let quarantined = try await Self.table(warehouse, "SELECT position, field, record_kind FROM ops.quarantine")
            #expect(quarantined == ["11|start|call_leg"], "\(quarantined)")
            #expect(try await Self.table(warehouse, """
                SELECT entry_id, direction, outcome, coalesce(employee_extension, '-'), coalesce(client_phone, '-'),
                       client_id IS NOT NULL
                FROM core.calls WHERE pbx = 'asterisk' ORDER BY started_at
                """) == [
                    "1741579330.1|in|answered|101|+998901112233|true",
                    "1741580465.6|out|outgoing_answered|102|+998935554411|true",
                    "1741582880.4|in|ivr_missed|-|+998977778899|true",
                    "1741583520.5|in|queue_missed|-|+998881239876|true",
                    "1741588200.8|out|outgoing_unanswered|104|+998712345678|false",
                    "1741589100.10|internal|answered|101|-|false",
                    "1741592400.12|in|missed|101|+998331112200|true",
                    "1741594200.14|out|outgoing_unanswered|103|+79161234567|true",
                ])
        }
    }

    @Test("the reports: missed calls not called back and the weekly figures, as XLSX and CSV")
    func reports() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let files = try TemporaryFiles()
            defer { files.remove() }
            _ = try await CLITests().crmhub(["import", "calls-mango", Self.sample("mango-stats-2025-03-10.csv"),
                                             "--settings", Self.settings], database: warehouse.settings)
            let csv = files.directory + "/missed.csv"
            let missed = try await CLITests().crmhub(["report", "missed-calls", "--from", "2025-03-01", "--to",
                                                      "2025-03-31", "--out", csv, "--settings", Self.settings],
                                                     database: warehouse.settings)
            #expect(missed.status == 0 && missed.text.contains("2 missed call(s)"), "\(missed.text)")
            let lines = try String(contentsOfFile: csv, encoding: .utf8).split(whereSeparator: \.isNewline)
            #expect(lines.count == 3)
            #expect(lines[1].contains("2025-03-10 10:12:00") && lines[1].contains("+998881239876")
                    && lines[1].contains("queue_missed"), "\(lines[1])")
            #expect(lines[2].contains("+77012345678") && lines[2].contains("да"), "\(lines[2])")
            let weekly = files.directory + "/weekly.xlsx"
            let week = try await CLITests().crmhub(["report", "calls-weekly", "--from", "2025-03-10", "--to",
                                                    "2025-03-16", "--out", weekly, "--settings", Self.settings],
                                                   database: warehouse.settings)
            #expect(week.status == 0, "\(week.text)")
            #expect(FileManager.default.fileExists(atPath: weekly))
            #expect(try await Self.table(warehouse, """
                SELECT employee_extension, line_name, incoming, answered, missed, outgoing, average_talk_seconds
                FROM mart.calls_weekly WHERE employee_extension = '101' ORDER BY line_name
                """) == ["101|main|3|3|0|0|176.7", "101||0|0|0|0|66.0"])
            let bad = try await CLITests().crmhub(["report", "missed-calls", "--from", "2025-03-01", "--to",
                                                   "2025-03-31", "--out", files.directory + "/x.pdf"],
                                                  database: warehouse.settings)
            #expect(bad.status == 2 && bad.text.contains(".xlsx or .csv"), "\(bad.text)")
        }
    }
}
