import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// The issue's "done when", tried as a new user would: a month of MANGO OFFICE stats and an Asterisk Master.csv
/// the code has never seen, generated here with the answer each call should get (written from the customer's
/// rules, not from the classifier), imported by the command with a settings file like the issue's.
@Suite("Calls on a month of unseen data")
struct CallsUnseenDataTests {
    /// What a generated call must become.
    struct Truth {
        var pbx: String
        var entry: String
        var start: Int64
        var direction: String
        var outcome: String
        var responsible: String?
        var phone: String?
        /// The rule that makes a client of an unknown number (nil: none), and that client's responsible.
        var rule: String?
        var clientResponsible: String?
    }

    struct Month {
        var mango = ""
        var asterisk = ""
        var truths: [Truth] = []
    }

    static let settings = """
        timezone: Asia/Tashkent
        auto_create_client: {incoming: true, missed: true, outgoing: false}
        update_responsible_on_transfer: true
        ivr_missed_responsible: {enabled: false, extension: "110"}
        group_missed_responsible: {enabled: true, extension: "110"}
        phone_format: e164
        mango:
          stats_fields: "records,start,finish,answer,from_extension,from_number,to_extension,to_number,disconnect_reason,line_number,location,entry_id"
          lines: {"998712000000": main, "998712000001": support}
        asterisk:
          cdr_columns: [accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield]
          timezone: Asia/Tashkent
          trunk_channel_prefix: "PJSIP/uztelecom-"
        """

    static func local(_ epoch: Int64) -> String {
        let time = LocalDateTime(instant: epoch, offset: 18_000)
        let s = time.secondOfDay
        return String(format: "%@ %02d:%02d:%02d", time.date.iso, s / 3600, s / 60 % 60, s % 60)
    }

    /// March 2025: about `calls` calls on each PBX, on a pool of 250 client numbers shared by both.
    static func month(seed: UInt64, calls: Int) -> Month {
        var random = AttendanceUnseenDataTests.Random(state: seed)
        var month = Month()
        let numbers = (0..<250).map { index in "9989\(["0", "1", "3", "7"][index % 4])" + String(1_000_000 + index * 3_917).suffix(7) }
        let employees = (101...112).map(String.init)
        var mangoTime: Int64 = 1_740_801_600, asteriskTime: Int64 = 1_740_801_900  // 2025-03-01 09:00 / 09:05 +05
        for index in 0..<calls {
            // MANGO OFFICE.
            mangoTime += Int64(600 + random.below(1_500))
            let entry = "bWFuZ28\(seed)x\(index)"
            let number = numbers[random.below(numbers.count)]
            let a = employees[random.below(employees.count)]
            var b = employees[random.below(employees.count)]
            if b == a { b = employees[(employees.firstIndex(of: a)! + 1) % employees.count] }
            let line = index % 3 == 0 ? "998712000001" : "998712000000"
            let t = mangoTime
            func leg(_ offset: Int64, _ answer: Int64?, _ finish: Int64, fromExt: String = "", from: String,
                     toExt: String = "", to: String, reason: Int, location: String) {
                month.mango += ["", String(t + offset), String(t + finish), answer.map { String(t + $0) } ?? "0", fromExt,
                                from, toExt, to, String(reason), line, location, entry].joined(separator: ";") + "\n"
            }
            let sip = { (ext: String) in "sip:user\(ext)@acme.mangosip.ru" }
            var truth = Truth(pbx: "mango", entry: entry, start: t, direction: "in", outcome: "answered",
                              responsible: nil, phone: "+" + number)
            switch random.below(12) {
            case 0:  // voice menu, then answered
                leg(0, nil, 8, from: number, to: line, reason: 1100, location: "ivr")
                leg(8, 15, 200, from: number, toExt: a, to: sip(a), reason: 1110, location: "abonent")
                (truth.responsible, truth.rule, truth.clientResponsible) = (a, "incoming", a)
            case 1:  // hunt: a rang, b answered
                leg(0, nil, 20, from: number, toExt: a, to: sip(a), reason: 1111, location: "abonent")
                leg(20, 26, 260, from: number, toExt: b, to: sip(b), reason: 1110, location: "abonent")
                (truth.responsible, truth.rule, truth.clientResponsible) = (b, "incoming", b)
            case 2:  // transfer a → b
                leg(0, 5, 90, from: number, toExt: a, to: sip(a), reason: 1180, location: "abonent")
                leg(90, 97, 300, from: number, toExt: b, to: sip(b), reason: 1110, location: "abonent")
                truth.outcome = "transferred"
                (truth.responsible, truth.rule, truth.clientResponsible) = (b, "incoming", b)
            case 3:  // missed: a then b rang
                leg(0, nil, 20, from: number, toExt: a, to: sip(a), reason: 1111, location: "abonent")
                leg(20, nil, 40, from: number, toExt: b, to: sip(b), reason: 1110, location: "abonent")
                truth.outcome = "missed"
                (truth.responsible, truth.rule, truth.clientResponsible) = (b, "missed", b)
            case 4:  // group: a rang, then the queue gave up
                leg(0, nil, 20, from: number, toExt: a, to: sip(a), reason: 1111, location: "abonent")
                leg(20, nil, 110, from: number, to: line, reason: 1163, location: "queue")
                truth.outcome = "queue_missed"
                (truth.rule, truth.clientResponsible) = ("queue_missed", "110")
            case 5:  // voice menu only; after hours on every other
                let afterHours = index % 2 == 0
                leg(0, nil, 20, from: number, to: line, reason: afterHours ? 1170 : 1110, location: "ivr")
                truth.outcome = "ivr_missed"
            case 6, 7:  // outgoing
                let answered = index % 2 == 0
                leg(0, answered ? 9 : nil, answered ? 150 : 7, fromExt: a, from: sip(a), to: number,
                    reason: answered ? 1110 : 1121, location: "abonent")
                truth.direction = "out"
                truth.outcome = answered ? "outgoing_answered" : "outgoing_unanswered"
                truth.responsible = a
            case 8:  // internal
                leg(0, 3, 60, fromExt: a, from: sip(a), toExt: b, to: sip(b), reason: 1110, location: "abonent")
                truth.direction = "internal"
                (truth.responsible, truth.phone) = (a, nil)
            case 9:  // anonymous
                leg(0, 4, 80, from: "", toExt: a, to: sip(a), reason: 1110, location: "abonent")
                (truth.responsible, truth.phone) = (a, nil)
            default:
                leg(0, 6, 6 + Int64(20 + random.below(300)), from: number, toExt: a, to: sip(a), reason: 1110,
                    location: "abonent")
                (truth.responsible, truth.rule, truth.clientResponsible) = (a, "incoming", a)
            }
            month.truths.append(truth)

            // Asterisk: its own calls, on the same numbers, written as cdr_csv writes them.
            asteriskTime += Int64(600 + random.below(1_500))
            let s = asteriskTime
            let unique = "\(s).\(index)"
            let caller = random.below(2) == 0 ? number : String(number.dropFirst(3))  // with or without 998
            func row(_ src: String, _ dst: String, _ channel: String, _ destination: String, _ app: String,
                     _ offset: Int64, _ answer: Int64?, _ end: Int64, _ disposition: String) {
                let fields: [String] = ["\"\"", "\"\(src)\"", "\"\(dst)\"", "\"ctx\"", "\"\"\"\"\" <\(src)>\"",
                                        "\"\(channel)\"", "\"\(destination)\"", "\"\(app)\"", "\"\"",
                                        "\"\(local(s + offset))\"", answer.map { "\"\(local(s + $0))\"" } ?? "",
                                        "\"\(local(s + end))\"", String(end - offset),
                                        String(answer.map { end - $0 } ?? 0), "\"\(disposition)\"", "\"DOCUMENTATION\"",
                                        "\"\(unique)\"", "\"\""]
                month.asterisk += fields.joined(separator: ",") + "\n"
            }
            let trunk = "PJSIP/uztelecom-\(index)", phoneA = "PJSIP/\(a)-\(index)a", phoneB = "PJSIP/\(b)-\(index)b"
            var cdr = Truth(pbx: "asterisk", entry: unique, start: s, direction: "in", outcome: "answered",
                            responsible: nil, phone: "+" + number)
            switch random.below(9) {
            case 0:  // ring group: b's phone rang, a answered
                row(caller, "600", trunk, phoneB, "Dial", 0, nil, 14, "NO ANSWER")
                row(caller, "600", trunk, phoneA, "Dial", 0, 14, 200, "ANSWERED")
                (cdr.responsible, cdr.rule, cdr.clientResponsible) = (a, "incoming", a)
            case 1:  // attended transfer: a, then b
                row(caller, a, trunk, phoneA, "Dial", 0, 4, 80, "ANSWERED")
                row(caller, b, trunk, phoneB, "Dial", 80, 85, 240, "ANSWERED")
                cdr.outcome = "transferred"
                (cdr.responsible, cdr.rule, cdr.clientResponsible) = (b, "incoming", b)
            case 2:  // missed, then voicemail
                row(caller, a, trunk, phoneA, "Dial", 0, nil, 20, "NO ANSWER")
                row(caller, "vmu\(a)", trunk, "", "VoiceMail", 20, 20, 45, "ANSWERED")
                cdr.outcome = "missed"
                (cdr.responsible, cdr.rule, cdr.clientResponsible) = (a, "missed", a)
            case 3:  // the voice menu only
                row(caller, "s", trunk, "", "BackGround", 0, 0, 20, "ANSWERED")
                cdr.outcome = "ivr_missed"
            case 4:  // the queue, nobody's phone
                row(caller, "700", trunk, "", "Queue", 0, 1, 95, "ANSWERED")
                cdr.outcome = "queue_missed"
                (cdr.rule, cdr.clientResponsible) = ("queue_missed", "110")
            case 5:  // outgoing, dialled in a national form
                let dialled = [String(number.dropFirst(3)), "8" + number.dropFirst(3)][index % 2]
                let disposition = ["ANSWERED", "BUSY", "NO ANSWER", "CONGESTION"][random.below(4)]
                let answered = disposition == "ANSWERED"
                row(a, dialled, phoneA, disposition == "CONGESTION" ? "" : trunk, "Dial", 0, answered ? 9 : nil,
                    answered ? 120 : 6, disposition)
                cdr.direction = "out"
                cdr.outcome = answered ? "outgoing_answered" : "outgoing_unanswered"
                cdr.responsible = a
            case 6:  // internal
                row(a, b, phoneA, phoneB, "Dial", 0, 4, 70, "ANSWERED")
                cdr.direction = "internal"
                (cdr.responsible, cdr.phone) = (a, nil)
            default:
                row(caller, a, trunk, phoneA, "Dial", 0, 5, 5 + Int64(20 + random.below(300)), "ANSWERED")
                (cdr.responsible, cdr.rule, cdr.clientResponsible) = (a, "incoming", a)
            }
            month.truths.append(cdr)
        }
        return month
    }

    /// The clients the rules must make: each load's calls in time order (MANGO's file is loaded first, then
    /// Asterisk's), the first rule-making call of a number not yet known.
    static func expectedClients(_ truths: [Truth]) -> [String: (name: String, responsible: String?)] {
        var clients: [String: (name: String, responsible: String?)] = [:]
        let words = ["incoming": "входящий вызов", "missed": "пропущенный вызов", "queue_missed": "пропущенный вызов"]
        let loads = truths.filter { $0.pbx == "mango" }.sorted { $0.start < $1.start }
            + truths.filter { $0.pbx == "asterisk" }.sorted { $0.start < $1.start }
        for truth in loads {
            guard let phone = truth.phone, let rule = truth.rule, clients[phone] == nil else { continue }
            let time = LocalDateTime(instant: truth.start, offset: 18_000)
            let name = String(format: "Новый (%02d:%02d %02d.%02d.%04d, %@)", time.secondOfDay / 3600,
                              time.secondOfDay / 60 % 60, time.date.day, time.date.month, time.date.year, words[rule]!)
            clients[phone] = (name, truth.clientResponsible)
        }
        return clients
    }

    @Test("at least 99 % of calls right, exactly the expected clients with their names and responsibles, a re-import changes nothing",
          arguments: [UInt64(20_250_301), 77])
    func unseenMonth(seed: UInt64) async throws {
        let month = Self.month(seed: seed, calls: 700)
        let files = try TemporaryFiles()
        defer { files.remove() }
        let settings = try files.write("calls.yaml", Data(Self.settings.utf8))
        let mango = try files.write("mango-2025-03.csv", Data(month.mango.utf8))
        let asterisk = try files.write("Master.csv", Data(month.asterisk.utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            for (kind, path) in [("calls-mango", mango), ("calls-asterisk", asterisk)] {
                let run = try await CLITests().crmhub(["import", kind, path, "--settings", settings],
                                                      database: warehouse.settings)
                #expect(run.status == 0, "\(run.text)")
            }
            var stored: [String: [String]] = [:]
            for row in try await warehouse.client.query("""
                SELECT pbx || ' ' || entry_id, direction, outcome, coalesce(employee_extension, ''),
                       coalesce(client_phone, '') FROM core.calls
                """, logger: warehouse.logger).collect() {
                let (key, direction, outcome, responsible, phone) = try row.decode((String, String, String, String, String).self)
                stored[key] = [direction, outcome, responsible, phone]
            }
            #expect(stored.count == month.truths.count)
            var right = 0
            var wrong: [String] = []
            for truth in month.truths {
                let expected = [truth.direction, truth.outcome, truth.responsible ?? "", truth.phone ?? ""]
                if stored["\(truth.pbx) \(truth.entry)"] == expected { right += 1 } else if wrong.count < 5 {
                    wrong.append("\(truth.pbx) \(truth.entry): \(stored["\(truth.pbx) \(truth.entry)"] ?? []) ≠ \(expected)")
                }
            }
            let share = Double(right) / Double(month.truths.count)
            #expect(share >= 0.99, "\(right) of \(month.truths.count) right; first wrong: \(wrong)")

            let expectedClients = Self.expectedClients(month.truths)
            var clients: [String: (String, String?)] = [:]
            for row in try await warehouse.client.query("SELECT phone, name, responsible_extension FROM core.clients",
                                                        logger: warehouse.logger).collect() {
                let (phone, name, responsible) = try row.decode((String, String, String?).self)
                clients[phone] = (name, responsible)
            }
            #expect(Set(clients.keys) == Set(expectedClients.keys))
            let named = expectedClients.filter { phone, client in
                clients[phone].map { $0.0 == client.name && $0.1 == client.responsible } ?? false
            }.count
            #expect(Double(named) >= 0.99 * Double(expectedClients.count),
                    "\(named) of \(expectedClients.count) clients with the right name and responsible")

            let before = try await CallsImportTests.table(warehouse, "SELECT * FROM core.calls ORDER BY pbx, entry_id")
            for (kind, path) in [("calls-mango", mango), ("calls-asterisk", asterisk)] {
                let again = try await CLITests().crmhub(["import", kind, path, "--settings", settings],
                                                        database: warehouse.settings)
                #expect(again.status == 0 && again.text.contains("already loaded"), "\(again.text)")
            }
            #expect(try await CallsImportTests.table(warehouse, "SELECT * FROM core.calls ORDER BY pbx, entry_id") == before)
        }
    }
}

extension AttendanceUnseenDataTests.Random {
    /// 0..<n.
    mutating func below(_ n: Int) -> Int { int(0...(n - 1)) }
}
