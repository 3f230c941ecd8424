import CRMWarehouse
import Connectors
import Foundation
import HubCore
import LocalServers
import PostgresNIO
import Testing

/// `crmhub sync exchange` against `LocalExchangeServer` on 127.0.0.1: the pull of the samples' calendar, contacts
/// and tasks; the push of what the CRM made, changed and deleted; conflicts; deletions both ways; and that a
/// sync with nothing new on either side sends and changes nothing.
@Suite("Exchange Web Services, both ways")
struct ExchangeSyncTests {
    static let mailbox = "d.karimova@acme-demo.uz"
    static let user = "ACME\\svc-crmhub"
    static let password = "Ews-S3cret-passw0rd"
    static let basic = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    /// The samples' meetings: the week of 2025-03-10 in Tashkent.
    static let window = ["--from", "2025-03-10", "--to", "2025-03-20"]
    static let seriesUID = "040000008200E00074C5B7101A82E00800000000D0A1C2E3F4B5C601000000000000000010000000ACMEDEMO0000000000000000000001"
    static let vektorUID = "040000008200E00074C5B7101A82E008000000007E8F9A0B1C2DDB01000000000000000010000000ACMEDEMO0000000000000000000002"

    /// Settings whose user and password are secrets files, as a job's would be.
    static func settings(_ files: TemporaryFiles, root: String, extra: String = "") throws -> String {
        let user = try files.write("ews-user", Data((Self.user + "\n").utf8))
        let password = try files.write("ews-password", Data(Self.password.utf8))
        let text = """
            version: 1
            url: \(root)/EWS/Exchange.asmx
            auth: basic
            username: ${file:\(user)}
            password: ${file:\(password)}
            impersonation: true
            mailboxes: [\(mailbox)]
            time_zone: Asia/Tashkent
            \(extra)
            """
        return try files.write("exchange.yaml", Data(text.utf8))
    }

    static func server() throws -> LocalExchangeServer {
        try LocalExchangeServer(mailbox: mailbox, authorization: basic)
    }

    /// The mailbox of samples/exchange (the samples' calendar, a contact of a client's employee and one of a
    /// colleague, and a task), as the demo serves it.
    static func seed(_ server: LocalExchangeServer) throws {
        try server.add(getItemResponse: CLITests.samples + "/../exchange/mailbox-getitem-response.xml")
    }

    static func sync(_ warehouse: Warehouse, _ settings: String, _ extra: [String] = []) async throws
        -> ChildProcess.Output
    {
        try await CLITests().crmhub(["sync", "exchange", "--settings", settings] + window + extra,
                                    database: warehouse.settings)
    }

    static func rows(_ warehouse: Warehouse, _ sql: String) async throws -> [String] {
        try await CallsImportTests.table(warehouse, sql)
    }

    /// What the sync may change, as text: every table it writes.
    static func snapshot(_ warehouse: Warehouse) async throws -> [String] {
        var all: [String] = []
        for table in ["core.contacts", "core.tasks", "core.calendar_events", "core.calendar_occurrences",
                      "core.calendar_occurrence_views", "ops.exchange_conflicts", "ops.batches", "core.client_emails"] {
            all += try await rows(warehouse, "SELECT * FROM \(table) ORDER BY 1, 2, 3").map { "\(table): \($0)" }
        }
        return all
    }

    @Test("pull: the samples' calendar (a view cut short, asked again in halves) with GetItem's attendees, contacts linked to a client by phone, a task; ErrorServerBusy waited out; a second sync sends and changes nothing")
    func pull() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let server = try Self.server()
        try Self.seed(server)
        server.state.withLock { $0.busyRequests = 1 }
        try await TestDatabase.withFreshWarehouse { warehouse in
            // A client whose phone is Ivanov's, as a call would have made it.
            let calls = try await CLITests().crmhub(["import", "calls-mango",
                                                     CallsImportTests.sample("mango-stats-2025-03-10.csv"),
                                                     "--settings", CallsImportTests.settings], database: warehouse.settings)
            #expect(calls.status == 0, "\(calls.text)")
            let clientPhone = try #require(try await Self.rows(warehouse, "SELECT phone FROM core.client_phones ORDER BY phone LIMIT 1").first)
            server.edit("AAMkContactIvanov=", at: 1_741_000_000) { $0.phones["BusinessPhone"] = clientPhone }
            try await LocalHTTPServer.serving({ server.answer($0) }) { root, _ in
                let settings = try Self.settings(files, root: root, extra: "page_size: 3")
                let first = try await Self.sync(warehouse, settings)
                #expect(first.status == 0, "\(first.text)")
                #expect(!first.text.contains(Self.password), "the password must never be printed")
                #expect(first.text.contains("contacts from Exchange: 2 new"), "\(first.text)")
                #expect(first.text.contains("calendar: 4 items"), "\(first.text)")
                // Four calendar items do not fit a view of 3: the window was asked again in halves.
                #expect(server.operations.filter { $0 == "FindItem" }.count >= 3, "\(server.operations)")
                #expect(server.writes.isEmpty, "\(server.operations)")
                #expect(server.state.withLock { $0.impersonated.allSatisfy { $0 == Self.mailbox } })

                let occurrences = try await Self.rows(warehouse, """
                    SELECT starts_at AT TIME ZONE 'Asia/Tashkent', subject, recurrence_id, array_to_string(calendars, ',')
                    FROM core.calendar_occurrences ORDER BY starts_at
                    """)
                #expect(occurrences == [
                    "2025-03-10T10:00:00|Еженедельная планёрка отдела продаж|20250310T050000Z|\(Self.mailbox)",
                    "2025-03-12T13:00:00|Созвон с клиентом ООО «Вектор»||\(Self.mailbox)",
                    "2025-03-14T14:00:00|Визит к клиенту: ООО «Самарканд Текстиль Демо»||\(Self.mailbox)",
                    "2025-03-18T15:00:00|Еженедельная планёрка отдела продаж (перенесено)|20250317T050000Z|\(Self.mailbox)",
                ])
                let series = try await Self.rows(warehouse, """
                    SELECT origin, organizer_email, jsonb_path_query_array(attendees, '$[*].email')::text,
                           jsonb_path_query_array(attendees, '$[*].status')::text
                    FROM core.calendar_events WHERE uid = '\(Self.seriesUID)' AND recurrence_id = ''
                    """)
                #expect(series == [#"exchange|d.karimova@acme-demo.uz|["j.toshmatov@acme-demo.uz", "a.rahimov@acme-demo.uz", "m.yusupova@acme-demo.uz"]|["ACCEPTED", "TENTATIVE", "NEEDS-ACTION"]"#])
                let contacts = try await Self.rows(warehouse, """
                    SELECT display_name, company, array_to_string(emails, ','), array_to_string(phones, ','),
                           origin, client_id IS NOT NULL
                    FROM core.contacts ORDER BY display_name
                    """)
                #expect(contacts == [
                    "Ivanov Sergey|ООО «Вектор»|s.ivanov@vektor-demo.ru|+79165550102,\(clientPhone)|exchange|true",
                    "Yusupova Malika|ACME Demo|m.yusupova@acme-demo.uz|+998901234567|exchange|false",
                ])
                // Ivanov's contact is the client's (by phone): the call with him is the client's meeting.
                let linked = try await Self.rows(warehouse, """
                    SELECT subject, matched_by, matched_value FROM mart.meeting_clients ORDER BY starts_at
                    """)
                #expect(linked == ["Созвон с клиентом ООО «Вектор»|contact|s.ivanov@vektor-demo.ru"])
                let tasks = try await Self.rows(warehouse, """
                    SELECT subject, status, percent_complete, importance, due_at AT TIME ZONE 'UTC', body_summary
                    FROM core.tasks
                    """)
                #expect(tasks == ["Подготовить договор для ООО «Вектор»|InProgress|50.00|High|2025-03-15T19:00:00|"
                                  + "Проект договора на поставку."])
                let lineage = try await Self.rows(warehouse, """
                    SELECT b.source_kind, b.source_name FROM core.contacts c JOIN ops.batches b ON b.id = c.batch_id
                    ORDER BY c.display_name LIMIT 1
                    """)
                #expect(lineage == ["calendar-ews|\(Self.mailbox) contacts"])

                let before = try await Self.snapshot(warehouse)
                let operationsBefore = server.operations.count
                let second = try await Self.sync(warehouse, settings)
                #expect(second.status == 0, "\(second.text)")
                #expect(second.text.contains("nothing changed"), "\(second.text)")
                #expect(server.writes.isEmpty)
                #expect(!server.operations.dropFirst(operationsBefore).contains("FindItem"),
                        "an unchanged mailbox over the same window is not read again")
                #expect(try await Self.snapshot(warehouse) == before)
            }
        }
    }

    @Test("push: a contact, a task and a meeting made in the CRM are created with its id; coming back they are not new; an edit is an UpdateItem, a deletion a DeleteItem; a meeting deleted in Outlook is deleted in the CRM")
    func push() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let server = try Self.server()
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ server.answer($0) }) { root, _ in
                let settings = try Self.settings(files, root: root)
                let empty = try await Self.sync(warehouse, settings)
                #expect(empty.status == 0, "\(empty.text)")
                try await warehouse.client.query("""
                    INSERT INTO core.calendars (calendar, time_zone, owner) VALUES ('d.karimova@acme-demo.uz',
                        'Asia/Tashkent', 'd.karimova@acme-demo.uz') ON CONFLICT DO NOTHING
                    """, logger: warehouse.logger)
                try await warehouse.client.query("""
                    INSERT INTO core.contacts (crm_id, mailbox, display_name, given_name, surname, company, emails, phones)
                    VALUES ('crm-contact-1', 'd.karimova@acme-demo.uz', 'Rahimov Aziz', 'Aziz', 'Rahimov',
                            'ООО «Самарканд Текстиль Демо»', '{a.rahimov@stextile-demo.uz}', '{+998901112233}')
                    """, logger: warehouse.logger)
                try await warehouse.client.query("""
                    INSERT INTO core.tasks (crm_id, mailbox, subject, status, due_at)
                    VALUES ('crm-task-1', 'd.karimova@acme-demo.uz', 'Позвонить по договору', 'NotStarted',
                            '2025-03-15 15:00+05')
                    """, logger: warehouse.logger)
                try await warehouse.client.query("""
                    INSERT INTO core.calendar_events (calendar, uid, origin, summary, location, starts_at, ends_at,
                        attendees)
                    VALUES ('d.karimova@acme-demo.uz', 'crm-meeting-1', 'crm', 'Встреча: кредитная линия',
                        'Офис банка', '2025-03-13 10:00+05', '2025-03-13 11:00+05',
                        '[{"email": "a.rahimov@stextile-demo.uz", "name": "Rahimov Aziz"}]')
                    """, logger: warehouse.logger)

                let first = try await Self.sync(warehouse, settings)
                #expect(first.status == 0, "\(first.text)")
                #expect(server.writes == ["CreateItem", "CreateItem", "CreateItem"], "\(server.operations)")
                #expect(first.text.contains("to Exchange: 3 created"), "\(first.text)")
                let contact = try #require(server.items(.contacts).first)
                #expect(contact.crmID == "crm-contact-1" && contact.emails["EmailAddress1"] == "a.rahimov@stextile-demo.uz")
                #expect(contact.phones["MobilePhone"] == "+998901112233")
                let meeting = try #require(server.items(.calendar).first)
                #expect(meeting.crmID == "crm-meeting-1" && meeting.fields["UID"] == "crm-meeting-1")
                #expect(meeting.fields["Start"] == "2025-03-13T05:00:00Z" && meeting.fields["End"] == "2025-03-13T06:00:00Z")
                #expect(meeting.attendees.map(\.email) == ["a.rahimov@stextile-demo.uz"])
                #expect(server.items(.tasks).first?.fields["DueDate"] == "2025-03-15T10:00:00Z")
                let synced = try await Self.rows(warehouse, """
                    SELECT crm_id, ews_item_id IS NOT NULL, synced_version = crm_version FROM core.contacts
                    UNION ALL SELECT crm_id, ews_item_id IS NOT NULL, synced_version = crm_version FROM core.tasks
                    UNION ALL SELECT uid, ews_item_id IS NOT NULL, synced_version = crm_version FROM core.calendar_events
                    ORDER BY 1
                    """)
                #expect(synced == ["crm-contact-1|true|true", "crm-meeting-1|true|true", "crm-task-1|true|true"])
                // The meeting, pushed, is in the mailbox's view of the window, under the CRM's UID.
                #expect(try await Self.rows(warehouse, "SELECT event_uid FROM core.calendar_occurrences")
                        == ["crm-meeting-1"])

                let before = try await Self.snapshot(warehouse)
                let second = try await Self.sync(warehouse, settings)
                #expect(second.status == 0, "\(second.text)")
                #expect(server.writes.count == 3, "nothing is sent again: \(server.operations)")
                #expect(try await Self.snapshot(warehouse) == before, "the pushes coming back are not new items")

                try await warehouse.client.query("""
                    UPDATE core.contacts SET job_title = 'Директор' WHERE crm_id = 'crm-contact-1'
                    """, logger: warehouse.logger)
                try await warehouse.client.query("UPDATE core.tasks SET deleted_at = now()", logger: warehouse.logger)
                let third = try await Self.sync(warehouse, settings)
                #expect(third.status == 0, "\(third.text)")
                #expect(Array(server.writes.dropFirst(3)) == ["UpdateItem", "DeleteItem"], "\(server.operations)")
                #expect(server.items(.contacts).first?.fields["JobTitle"] == "Директор")
                #expect(server.items(.tasks).isEmpty)

                server.delete(meeting.id)
                let fourth = try await Self.sync(warehouse, settings)
                #expect(fourth.status == 0, "\(fourth.text)")
                #expect(server.writes.count == 5, "\(server.operations)")
                #expect(try await Self.rows(warehouse, """
                    SELECT deleted_at IS NOT NULL FROM core.calendar_events WHERE uid = 'crm-meeting-1'
                    """) == ["true"])
                #expect(try await Self.rows(warehouse, "SELECT event_uid FROM core.calendar_occurrences").isEmpty)

                let settled = try await Self.snapshot(warehouse)
                let fifth = try await Self.sync(warehouse, settings)
                #expect(fifth.status == 0, "\(fifth.text)")
                #expect(server.writes.count == 5, "\(server.operations)")
                #expect(try await Self.snapshot(warehouse) == settled)
                let pushes = try await Self.rows(warehouse, """
                    SELECT folder, operation, result FROM ops.exchange_pushes ORDER BY push_id
                    """)
                #expect(pushes == ["contacts|create|NoError", "tasks|create|NoError", "calendar|create|NoError",
                                   "contacts|update|NoError", "tasks|delete|NoError"])
            }
        }
    }

    @Test("conflict: changed on both sides, the later change is kept and the other recorded in ops.exchange_conflicts, either way round")
    func conflict() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let server = try Self.server()
        try Self.seed(server)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ server.answer($0) }) { root, _ in
                let settings = try Self.settings(files, root: root, extra: "folders: [contacts]")
                #expect(try await Self.sync(warehouse, settings).status == 0)
                let now = Int64(Date().timeIntervalSince1970)

                // The CRM edits, then Exchange later: Exchange's version wins.
                try await warehouse.client.query("""
                    UPDATE core.contacts SET company = 'ООО «Вектор» (CRM)' WHERE display_name = 'Ivanov Sergey'
                    """, logger: warehouse.logger)
                server.edit("AAMkContactIvanov=", at: now + 3600) { $0.fields["CompanyName"] = "АО «Вектор Холдинг»" }
                let first = try await Self.sync(warehouse, settings)
                #expect(first.status == 0, "\(first.text)")
                #expect(first.text.contains("1 conflict(s)"), "\(first.text)")
                #expect(server.writes.isEmpty, "Exchange's later version is not overwritten: \(server.operations)")
                #expect(try await Self.rows(warehouse, """
                    SELECT company, synced_version = crm_version FROM core.contacts WHERE display_name = 'Ivanov Sergey'
                    """) == ["АО «Вектор Холдинг»|true"])

                // Exchange edits, then the CRM later: the CRM's version is sent over it.
                server.edit("AAMkContactIvanov=", at: now - 3600) { $0.fields["JobTitle"] = "CFO" }
                try await warehouse.client.query("""
                    UPDATE core.contacts SET job_title = 'Генеральный директор' WHERE display_name = 'Ivanov Sergey'
                    """, logger: warehouse.logger)
                let second = try await Self.sync(warehouse, settings)
                #expect(second.status == 0, "\(second.text)")
                #expect(server.writes == ["UpdateItem"], "\(server.operations)")
                #expect(server.item("AAMkContactIvanov=")?.fields["JobTitle"] == "Генеральный директор")
                #expect(server.item("AAMkContactIvanov=")?.fields["CompanyName"] == "АО «Вектор Холдинг»")

                let conflicts = try await Self.rows(warehouse, """
                    SELECT folder, kept, crm_version ->> 'company', exchange_version ->> 'company',
                           crm_version ->> 'job_title', exchange_version ->> 'job_title'
                    FROM ops.exchange_conflicts ORDER BY conflict_id
                    """)
                #expect(conflicts == [
                    "contacts|exchange|ООО «Вектор» (CRM)|АО «Вектор Холдинг»|Финансовый директор|Финансовый директор",
                    "contacts|crm|АО «Вектор Холдинг»|АО «Вектор Холдинг»|Генеральный директор|CFO",
                ])
                let third = try await Self.sync(warehouse, settings)
                #expect(third.status == 0, "\(third.text)")
                #expect(server.writes == ["UpdateItem"], "settled: nothing more is sent: \(server.operations)")
            }
        }
    }

    @Test("auth: a bearer token from the environment; a refused one is a clear error that names neither the token nor a way round it")
    func bearer() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOi.test-token"
        let server = try LocalExchangeServer(mailbox: Self.mailbox, authorization: "Bearer " + token)
        try Self.seed(server)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await LocalHTTPServer.serving({ server.answer($0) }) { root, _ in
                let settings = try files.write("exchange-bearer.yaml", Data("""
                    version: 1
                    url: \(root)/EWS/Exchange.asmx
                    auth: bearer
                    token: ${env:EWS_TEST_TOKEN}
                    mailboxes: [\(Self.mailbox)]
                    folders: [tasks]
                    """.utf8))
                let arguments = ["sync", "exchange", "--settings", settings] + Self.window
                let good = try await CLITests().crmhub(arguments, database: warehouse.settings,
                                                       environment: ["EWS_TEST_TOKEN": token])
                #expect(good.status == 0, "\(good.text)")
                #expect(try await Self.rows(warehouse, "SELECT count(*) FROM core.tasks") == ["1"])
                let bad = try await CLITests().crmhub(arguments, database: warehouse.settings,
                                                      environment: ["EWS_TEST_TOKEN": "expired-token"])
                #expect(bad.status != 0)
                #expect(bad.text.contains("401"), "\(bad.text)")
                #expect(!bad.text.contains("expired-token") && !bad.text.contains(token), "\(bad.text)")
                let missing = try await CLITests().crmhub(arguments, database: warehouse.settings)
                #expect(missing.status != 0)
                #expect(missing.text.contains("EWS_TEST_TOKEN"), "\(missing.text)")
            }
        }
    }
}
