import Foundation
import HubCore
import Testing

@testable import Connectors

/// Terminals' USB downloads, turnstile exports and HR's own files, read from the shared samples and from
/// files made to break them.
@Suite("punch and HR files")
struct PunchFileTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

    static func rows(_ path: String, delimiter: Character, encoding: TextEncoding = .utf8) throws
        -> [DelimitedTextFile.Item]
    {
        var file = try DelimitedTextFile(path: path, encoding: encoding, delimiter: delimiter)
        var items: [DelimitedTextFile.Item] = []
        while try file.readChunk(emit: { items.append($0) }) {}
        return items
    }

    static func write(_ text: String, encoding: String.Encoding = .utf8) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("punch-\(UUID().uuidString).csv").path
        try text.data(using: encoding)!.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("ZKTeco attlog.dat: 30 punches, PINs trimmed, states as directions, the device from the line")
    func zkteco() throws {
        let items = try Self.rows(Self.fixtures.appendingPathComponent("zkteco_1_attlog.dat").path, delimiter: "\t")
        let punches = items.compactMap { item -> PunchRecord? in
            guard case .row(let row) = item, case .success(let punch) = ZKTecoLogLayout.default.punch(row, deviceFromName: nil)
            else { return nil }
            return punch
        }
        #expect(punches.count == 30)
        let first = try #require(punches.first)
        #expect(first.personKey == "1001" && first.device == "1" && first.direction == .checkIn)
        #expect(first.localTime.description == "2025-03-10 08:52:14")
        #expect(punches[5].direction == .breakOut && punches[7].direction == .breakIn)
        #expect(punches.filter { $0.direction == .overtimeIn }.count == 1)
        #expect(punches.filter { $0.personKey == "1009" }.count == 1)
        #expect(ZKTecoLogLayout.deviceNumber(fromFileName: "usb/7_attlog.dat") == "7")
        #expect(ZKTecoLogLayout.deviceNumber(fromFileName: "attlog.txt") == nil)
    }

    @Test("ZKTeco: a bad time, a missing PIN, too few fields and a state no one named are caught by line")
    func zktecoBadLines() throws {
        let path = try Self.write("  1001\t2025-03-10 08:52:14\t1\t0\t1\t0\n"
                                  + "  1002\t2025-13-10 08:52:14\t1\t0\t1\t0\n"
                                  + "\t2025-03-10 08:52:14\t1\t0\t1\t0\n"
                                  + "  1003\t2025-03-10 08:52:14\n"
                                  + "  1004\t2025-03-10 09:00:00\t1\t255\t1\t0\r\n")
        let results = try Self.rows(path, delimiter: "\t").map { item -> Result<PunchRecord, LineRejection>? in
            guard case .row(let row) = item else { return nil }
            return ZKTecoLogLayout.default.punch(row, deviceFromName: nil)
        }
        guard case .success = results[0], case .failure(let time) = results[1], case .failure(let pin) = results[2],
              case .failure(let short) = results[3], case .success(let unknown) = results[4] else {
            Issue.record("unexpected \(results)")
            return
        }
        #expect(time.line == 2 && time.field == "time")
        #expect(pin.line == 3 && pin.field == "pin")
        #expect(short.line == 4 && short.reason.contains("2 field(s)"))
        #expect(unknown.direction == .unknown)
    }

    @Test("turnstile export: BOM, Russian headers, passages in and out, a denied unknown card kept as denied")
    func turnstile() throws {
        let items = try Self.rows(Self.fixtures.appendingPathComponent("skud_sigur_style_export.csv").path, delimiter: ";")
        guard case .row(let header) = items[0] else { Issue.record("no header"); return }
        let layout = TurnstileExportLayout.default
        let columns = try layout.header(header)
        let punches = items.dropFirst().compactMap { item -> PunchRecord? in
            guard case .row(let row) = item, case .success(let punch) = layout.punch(row, columns: columns) else { return nil }
            return punch
        }
        #expect(punches.count == 30)
        #expect(punches[0].personKey == "000A1B01" && punches[0].personnelNumber == "0001"
                && punches[0].personName == "Каримова Дилноза" && punches[0].direction == .checkIn
                && punches[0].device == "Турникет 1 (главный вход)" && punches[0].event == .pass)
        let denied = try #require(punches.first { $0.event == .denied })
        #expect(denied.personKey == "0F3C9A77" && denied.eventText == "Доступ запрещён: неизвестная карта")
        #expect(punches.filter { $0.event == .other }.map(\.eventText) == ["Проход (повторный)"])
        #expect(punches.filter { $0.direction == .checkOut }.count == 13)
    }

    @Test("turnstile export in CP1251 with a header missing a column: the error names it and the line")
    func turnstileHeader() throws {
        let path = try Self.write("Дата;Время;Карта;Событие\n10.03.2025;08:50:31;000A1B01;Проход\n",
                                  encoding: .windowsCP1251)
        let items = try Self.rows(path, delimiter: ";", encoding: .cp1251)
        guard case .row(let header) = items[0] else { Issue.record("no header"); return }
        #expect(header.fields[0] == "Дата")
        #expect(throws: LineRejection.self) { try TurnstileExportLayout.default.header(header) }
        do {
            _ = try TurnstileExportLayout.default.header(header)
        } catch {
            #expect(error.line == 1 && error.reason.contains("'Направление' (direction)"))
        }
    }

    @Test(arguments: [
        ("0001,09:00,18:00,Mon-Fri,10,60,60", nil),
        ("0001,22:00,06:00,Sat-Mon,10,60,60", nil),
        ("0001,9:00,18:00,Mon-Fri,10,60,60", "shift_start"),
        ("0001,09:00,24:00,Mon-Fri,10,60,60", "shift_end"),
        ("0001,09:00,18:00,Mon-Fry,10,60,60", "workdays"),
        ("0001,09:00,18:00,Mon-Fri,-1,60,60", "late_grace_minutes"),
        ("0001,09:00,18:00,Mon-Fri,10,60", nil as String?),
    ])
    func shiftLines(line: String, field: String?) throws {
        let path = try Self.write(HRFileLayout.shifts.columns.joined(separator: ",") + "\n" + line + "\n")
        let items = try Self.rows(path, delimiter: ",")
        guard case .row(let header) = items[0], case .row(let row) = items[1] else { Issue.record("\(items)"); return }
        try HRFileLayout.shifts.checkHeader(header)
        switch HRFileLayout.shifts.record(row) {
        case .success(.shift(let shift)):
            #expect(field == nil && line.split(separator: ",").count == 7)
            if line.contains("Sat-Mon") { #expect(shift.weekdays == [1, 6, 7] && shift.endMinute == 360) }
        case .success: Issue.record("not a shift")
        case .failure(let rejection):
            #expect(rejection.line == 2)
            if let field { #expect(rejection.field == field, "\(rejection)") } else {
                #expect(rejection.reason.contains("6 field(s)"))
            }
        }
    }

    @Test("HR files: an extra column in the header fails the file with its name; weekday lists and ranges")
    func hrHeaderAndWeekdays() throws {
        let path = try Self.write("personnel_number,date_from,date_to,kind,comment\n0001,2026-07-01,2026-07-03,vacation,x\n")
        let items = try Self.rows(path, delimiter: ",")
        guard case .row(let header) = items[0] else { Issue.record("no header"); return }
        do {
            try HRFileLayout.absences.checkHeader(header)
            Issue.record("an extra column was accepted")
        } catch {
            #expect(error.line == 1 && error.reason.contains("extra column(s) 'comment'"))
        }
        #expect(HRFileLayout.weekdays("Mon-Fri") == [1, 2, 3, 4, 5])
        #expect(HRFileLayout.weekdays("mon,wed,FRI") == [1, 3, 5])
        #expect(HRFileLayout.weekdays("Fri-Mon") == [1, 5, 6, 7])
        #expect(HRFileLayout.weekdays("Mon-Wed,Sat") == [1, 2, 3, 6])
        #expect(HRFileLayout.weekdays("Monday") == nil && HRFileLayout.weekdays("") == nil
                && HRFileLayout.weekdays("Mon--Fri") == nil)
    }

    @Test("delimited lines: quotes hold the delimiter, an unclosed quote and a NUL byte are rejected by line")
    func delimitedLines() throws {
        #expect(DelimitedTextFile.split("a;\"b;c\";\"d \"\"e\"\"\";", delimiter: ";") == ["a", "b;c", "d \"e\"", ""])
        #expect(DelimitedTextFile.split("a;\"b", delimiter: ";") == nil)
        let path = try Self.write("h1;h2\n\"open;x\nok;1\nbad\u{0};2\n\n")
        let items = try Self.rows(path, delimiter: ";")
        #expect(items.count == 4)
        guard case .rejected(let quoteLine, _, _) = items[1], case .row(let ok) = items[2],
              case .rejected(let nulLine, let reason, let text) = items[3] else { Issue.record("\(items)"); return }
        #expect(quoteLine == 2 && ok.line == 3 && nulLine == 4)
        #expect(reason.contains("control character") && !text.contains("\u{0}"))
    }
}
