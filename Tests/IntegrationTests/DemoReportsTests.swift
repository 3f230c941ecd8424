import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Testing

/// The README's first command, on a fresh warehouse: the nightly job for the samples' own dates, and every report
/// it writes has rows of the kinds a user opens first (issue 19: the workbook was empty when the job ran for today).
@Suite("the demo's reports")
struct DemoReportsTests {
    @Test("crmhub demo writes reports with rows, each opened as its format; a second run changes nothing")
    func reportsHaveRows() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // The demo reads samples/, jobs/ and mappings/ from where it runs and writes reports/ there.
        for folder in ["samples", "jobs", "mappings"] {
            try FileManager.default.createSymbolicLink(
                atPath: files.directory + "/" + folder,
                withDestinationPath: ReconciliationTests.repository.appendingPathComponent(folder).path)
        }
        try await TestDatabase.withFreshWarehouse { warehouse in
            let environment = ["DATABASE_URL": warehouse.settings.urlWithCredentials]
            let demo = try ChildProcess.run("/usr/bin/env", ["--chdir=\(files.directory)", CLITests.binary, "demo"],
                                            environment: environment, timeout: .seconds(600))
            #expect(demo.status == 0, "\(demo.text.suffix(3000))")
            #expect(demo.text.contains("reports/2025-03-18/"), "\(demo.text.prefix(500))")
            let reports = files.directory + "/reports/2025-03-18/"

            let workbook = try XLSXWorkbookReader(path: reports + "reconciliation.xlsx")
            for sheet in ["Matched", "To review", "Unmatched payments", "Unpaid invoices"] {
                #expect(try workbook.rows(ofSheet: sheet).count > 1, "\(sheet) has only its header")
            }
            let loans = try XLSXWorkbookReader(path: reports + "problem-loans.xlsx")
            let problem = try loans.rows(ofSheet: "Problem loans 2025-03-18")
            #expect(problem.count > 1 && problem.dropFirst().allSatisfy { $0[0].hasPrefix("KR-") }, "\(problem)")
            let timesheet = try XLSXWorkbookReader(path: reports + "timesheet.xlsx")
            let t13 = try timesheet.rows(ofSheet: "Т-13 2025-03")
            #expect(t13.contains { $0.count > 3 && $0[2] == "0001" && $0[3] == "код" }, "\(t13.prefix(8))")
            let missed = try XLSXWorkbookReader(path: reports + "missed-calls.xlsx")
            #expect(try missed.rows(ofSheet: missed.sheetNames[0]).count > 1, "no missed calls in the workbook")
            for (file, first) in [("bank-days.csv", "account"), ("invoices.csv", "counterparty")] {
                let rows = CSVText.rows(try String(contentsOfFile: reports + file, encoding: .utf8)
                    .replacingOccurrences(of: "\u{FEFF}", with: ""))
                #expect(rows.first?.first == first && rows.count > 1, "\(file): \(rows.prefix(2))")
            }
            // The demo's own sections.
            for section in ["Bank statements by format", "Reconciliation of incoming payments", "Attendance 2025-03", "Calls (calls-mango",
                            "Calendars (calendar-ics", "A schedule from the credit calculator",
                            "Problem loans for the collectors", "1C:Accounting out", "Exchange both ways"] {
                #expect(demo.text.contains(section), "the demo printed no \(section)")
            }
            // 1C out: a preview of the next message carries the CRM's client and invoice, and is not recorded.
            let message = try String(contentsOfFile: reports + "to-1c/Message_CRM_BP.xml", encoding: .utf8)
            #expect(message.contains("<ИНН>309166181</ИНН>") && message.contains("CRM-000017"), "\(message.prefix(800))")
            #expect(try await LoanImportTests.query(warehouse, "SELECT count(*) FROM ops.exchange_sent_messages",
                                                    as: Int.self) == [0])
            // Exchange: the CRM's contact, task and meeting went into the demo's mailbox, the mailbox's came in.
            #expect(demo.text.contains("Sent to Exchange this time: CreateItem, CreateItem, CreateItem"),
                    "\(demo.text.suffix(3000))")
            #expect(try await LoanImportTests.query(warehouse, """
                SELECT (SELECT count(*) FROM core.contacts WHERE ews_item_id IS NOT NULL)
                     + (SELECT count(*) FROM core.tasks WHERE ews_item_id IS NOT NULL)
                """, as: Int.self) == [5])

            let counts = """
                SELECT (SELECT count(*) FROM ops.batches) || ' ' || (SELECT count(*) FROM core.bank_transactions)
                    || ' ' || (SELECT count(*) FROM core.invoices) || ' ' || (SELECT count(*) FROM core.payment_allocations)
                    || ' ' || (SELECT count(*) FROM core.loan_schedule) || ' ' || (SELECT count(*) FROM mart.loan_arrears)
                    || ' ' || (SELECT count(*) FROM core.attendance_days) || ' ' || (SELECT count(*) FROM core.calls)
                    || ' ' || (SELECT count(*) FROM core.contacts) || ' ' || (SELECT count(*) FROM ops.exchange_pushes)
                    || ' ' || (SELECT count(*) FROM core.calendar_occurrences)
                    || ' ' || (SELECT count(*) FROM ops.exchange_sent_messages)
                """
            let before = try await LoanImportTests.query(warehouse, counts, as: String.self)
            // Again, showing one part: the job still runs whole (and changes nothing), only the calendars are shown,
            // and the mailbox (kept under .crmhub) gets nothing new.
            let again = try ChildProcess.run("/usr/bin/env", ["--chdir=\(files.directory)", CLITests.binary, "demo",
                                                              "--only", "calendars"],
                                             environment: environment, timeout: .seconds(600))
            #expect(again.status == 0, "\(again.text.suffix(2000))")
            #expect(again.text.contains("Sent to Exchange this time: nothing new") && !again.text.contains("Calls (calls-mango")
                    && !again.text.contains("Problem loans for the collectors"), "\(again.text.suffix(2000))")
            #expect(try await LoanImportTests.query(warehouse, counts, as: String.self) == before,
                    "the second demo changed what the first loaded")
        }
    }

    @Test("every tour is linked from the README, and every picture it shows exists (scripts/render-tour-pictures)")
    func toursAreReachable() throws {
        let root = ReconciliationTests.repository
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let tours = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs/tour").path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }
        #expect(Set(tours) == ["accountant.md", "hr.md", "call-centre.md", "loan-officer.md", "analyst.md", "operator.md"])
        for tour in tours {
            #expect(readme.contains("(docs/tour/\(tour))"), "the README does not link \(tour)")
            let text = try String(contentsOf: root.appendingPathComponent("docs/tour/" + tour), encoding: .utf8)
            #expect(text.contains("## When something"), "\(tour) says nothing about what to do when it goes wrong")
            for image in text.components(separatedBy: "](images/").dropFirst() {
                let name = String(image.prefix { $0 != ")" })
                #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("docs/tour/images/" + name).path),
                        "\(tour) shows images/\(name), which is not there")
            }
        }
    }
}
