import ArgumentParser
import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Ingest
import Loans
import Reports

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write files for other systems to import.",
        subcommands: [Export1CEnterpriseDataCommand.self, ExportCalendarICSCommand.self, ExportBureauCommand.self]
    )
}

struct Export1CEnterpriseDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: EnterpriseDataExport.id,
        abstract: "Write the next exchange message for 1C (clients and invoices made in the CRM).",
        discussion: reflow("""
            Writes Message_<our node>_<1C node>.xml into the exchange folder, the way 1C's own exchange does:
            every client (core.counterparties) and invoice created or changed on the CRM side since the last
            message 1C confirmed, plus deletion marks. The message carries the next number and confirms the
            last message CRMHub accepted from 1C. Until 1C confirms a message, its changes are sent again in
            every new one, so nothing is lost if 1C misses a file.

            --preview writes the same message and records nothing: the next real export has the same number and
            carries the same changes. Open it to see what 1C would get, before sending anything.

            Example: crmhub export 1c-enterprisedata --node BP --out /srv/exchange/1c
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var ourNode: ExchangeNodeOptions

    @Option(help: ArgumentHelp("The 1C node's code (the From of its messages to us).", valueName: "code"))
    var node: String

    @Option(help: ArgumentHelp("The exchange folder to write into.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Our organisation's INN, when 1C has not named it in a message yet.", valueName: "inn"))
    var organizationInn: String?

    @Option(help: ArgumentHelp("Our organisation's name, with --organization-inn.", valueName: "name"))
    var organizationName: String?

    @Flag(help: "Write the message that would go next without recording it as sent.")
    var preview = false

    func run() async throws {
        let organization = organizationInn != nil || organizationName != nil
            ? PartyReference(inn: organizationInn, name: organizationName ?? organizationInn, isLegalEntity: true)
            : nil
        let (our, folder, node, preview) = (ourNode.ourNode, out, node, preview)
        let receipt = try await options.withMigratedWarehouse { warehouse in
            try await EnterpriseDataExport.write(warehouse: warehouse, peer: node, ourNode: our,
                                                 organization: organization, folder: folder, preview: preview)
        }
        Terminal.print((preview ? "preview, not recorded as sent: " : "") + "\(receipt.fileName): message \(receipt.messageNo) to \(node) (confirms its message "
                       + "\(receipt.receivedNo)): \(receipt.counterparties) client(s), \(receipt.invoices) invoice(s), "
                       + "\(receipt.deletions) deletion(s) changed since message \(receipt.acknowledgedNo), the last "
                       + "\(node) confirmed")
    }
}

struct ExportCalendarICSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar-ics",
        abstract: "Write the meetings made in the CRM as an iCalendar file Outlook imports.",
        discussion: reflow("""
            Writes every meeting made in the CRM (core.calendar_events with origin 'crm', not deleted), or those of
            one calendar, as an RFC 5545 file: times on each meeting's own zone's wall clock, with a VTIMEZONE for
            every zone used (its daylight-saving changes written out), attendees and organizer as mailto: \
            addresses. The file is written beside its final name and renamed into place. Outlook: File → Open & \
            Export → Import/Export → "Import an iCalendar (.ics) file".

            Example: crmhub export calendar-ics --calendar d.karimova@acme.uz --out exports/karimova-crm.ics
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Only this calendar's meetings (its name in core.calendars).", valueName: "name"))
    var calendar: String?

    @Option(help: ArgumentHelp("The file to write.", valueName: "file"))
    var out: String

    func run() async throws {
        let calendar = self.calendar
        let meetings = try await options.withMigratedWarehouse { warehouse in
            try await CRMMeetings.all(warehouse: warehouse, calendar: calendar)
        }
        let text = ICSWriter.calendar(meetings, name: calendar ?? "CRM meetings",
                                      now: Int64(Date().timeIntervalSince1970))
        try ReportWriter.writeAtomically(text, to: out)
        Terminal.print("\(out): \(meetings.count) meeting(s) made in the CRM")
    }
}

struct ExportBureauCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bureau",
        abstract: "Write the credit-bureau (KATM) file of a reporting date.",
        discussion: reflow("""
            Every contract disbursed by --date with its schedule in force, its repayments, its arrears on the
            day (the snapshot is taken first if it was not: crmhub loan arrears), restructurings and write-offs,
            in the records and fields of the layout file, then a trailer with the record count and the control
            totals (outstanding principal of the contracts, overdue amount of the day). Each field is checked by
            its kind before the file is written; a file with a problem is not written, and the problems are
            listed contract by contract. Each file written is recorded in ops.bureau_submissions with its id (in
            its header), hash and totals. The bureau's answers load with crmhub import bureau-response.

            KATM's real format is not public: mappings/bureau-katm.yaml is CRMHub's own layout, and the bank's
            real one replaces it as a file (docs/connectors/katm-bureau.md).

            Example: crmhub export bureau --date 2025-02-20 --out katm/KATM-20250220.txt
            """)
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("The reporting date (yyyy-mm-dd).", valueName: "date"))
    var date: String

    @Option(help: ArgumentHelp("Where to write the file.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("The layout definition.", valueName: "file"))
    var layout = BureauLayoutLoader.defaultPath

    @Option(help: ArgumentHelp("The loan settings, when the day's arrears snapshot must be taken.", valueName: "file"))
    var settings = LoanSettingsLoader.defaultPath

    func run() async throws {
        guard let day = try parseDate(date, "--date") else { return }
        let layout = try BureauLayoutLoader.load(path: self.layout)
        let (settings, out) = (try LoanSettingsLoader.load(path: self.settings), self.out)
        let summary = try await options.withMigratedWarehouse { warehouse in
            try await BureauExport.write(warehouse: warehouse, on: day, layout: layout, settings: settings, to: out)
        }
        Terminal.print("wrote \(out): submission \(summary.submission), "
                       + summary.records.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                       + "; \(summary.contracts) contract(s), outstanding \(Terminal.money(summary.outstanding)), "
                       + "overdue \(Terminal.money(summary.overdue))")
    }
}
