/// A core table the Exchange sync keeps in step with one folder of each mailbox: where its rows are, which column
/// is the CRM's id of a row, and which columns are content (compared, pushed, recorded in conflicts) rather than
/// bookkeeping. SQL is built from these constants only, never from data.
package struct ExchangeTable: Sendable, Equatable {
    /// `contacts`, `tasks`, `calendar` (as `ops.exchange_sync_state.folder`).
    package var folder: String
    package var name: String
    /// The CRM's id of a row (`crm_id`; `uid` for meetings).
    package var idColumn: String
    /// The mailbox a row belongs to (`mailbox`; `calendar` for meetings).
    package var mailboxColumn: String
    /// What Exchange's version of an item sets.
    package var contentColumns: [String]
    /// Which rows the sync may match and push (meetings: only those made in the CRM, singles).
    package var rowFilter: String
    /// Whether items Exchange has and the CRM does not are added (contacts, tasks); calendar items arrive by the
    /// calendar view instead.
    package var insertsNew: Bool

    /// What `to_jsonb(row)` loses to become the row's content for review.
    static let bookkeeping = "ARRAY['ews_item_id', 'ews_change_key', 'crm_version', 'synced_version', 'modified_at', "
        + "'exchange_modified_at', 'batch_id', 'source_line', 'vevent']"

    package static let contacts = ExchangeTable(
        folder: "contacts", name: "core.contacts", idColumn: "crm_id", mailboxColumn: "mailbox",
        contentColumns: ["display_name", "given_name", "surname", "company", "job_title", "emails", "phones",
                         "phones_raw"],
        rowFilter: "true", insertsNew: true)

    package static let tasks = ExchangeTable(
        folder: "tasks", name: "core.tasks", idColumn: "crm_id", mailboxColumn: "mailbox",
        contentColumns: ["subject", "body_summary", "status", "percent_complete", "importance", "starts_at", "due_at",
                         "completed_at"],
        rowFilter: "true", insertsNew: true)

    package static let meetings = ExchangeTable(
        folder: "calendar", name: "core.calendar_events", idColumn: "uid", mailboxColumn: "calendar",
        contentColumns: ["summary", "location", "body_summary", "starts_at", "ends_at", "all_day"],
        rowFilter: "t.origin = 'crm' AND t.recurrence_id = '' AND t.rrule IS NULL", insertsNew: false)

    package static let all = [contacts, tasks, meetings]

    package static func forFolder(_ folder: String) -> ExchangeTable? { all.first { $0.folder == folder } }
}
