import Connectors
import Foundation
import HubCore

/// Exchange's items as the core tables' content columns (JSON objects `ExchangeStore` merges), and the core
/// tables' rows as the items the CRM wants in Exchange (`EWSItemDraft`). The two directions sit together so
/// that a field cannot travel one way and not the other.
enum ExchangeItemContent {
    /// Bodies are kept as a summary, as for calendar events.
    static let bodyLimit = 1000

    static func json(_ object: [String: Any?]) -> String {
        let present = object.compactMapValues { $0 }
        let data = (try? JSONSerialization.data(withJSONObject: present, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func timestamp(_ seconds: Int64?) -> String? { seconds.map(EWSDateTime.text) }

    static func summary(_ body: String?) -> String? {
        guard let body = body?.trimmingCharacters(in: .whitespacesAndNewlines), !body.isEmpty else { return nil }
        return String(body.prefix(bodyLimit))
    }

    static func contact(_ contact: EWSContact) -> String {
        json([
            "display_name": contact.displayName, "given_name": contact.givenName, "surname": contact.surname,
            "company": contact.company, "job_title": contact.jobTitle, "emails": contact.emails,
            // Numbers that are no number (an extension, a note) are kept as written only.
            "phones": contact.phones.compactMap { PhoneNumber($0)?.e164 }, "phones_raw": contact.phones,
        ])
    }

    static func task(_ task: EWSTask) -> String {
        json([
            "subject": task.subject, "body_summary": summary(task.body), "status": task.status,
            "percent_complete": task.percentComplete, "importance": task.importance,
            "starts_at": timestamp(task.start), "due_at": timestamp(task.due), "completed_at": timestamp(task.completed),
        ])
    }

    static func meeting(_ item: EWSCalendarItem) -> String {
        json([
            "summary": item.subject, "location": item.location, "body_summary": summary(item.body),
            "starts_at": timestamp(item.start), "ends_at": timestamp(item.end), "all_day": item.isAllDay,
        ])
    }

    /// A row's JSON (`ExchangeStore.PendingPush.content`) as the item to create or update.
    static func draft(_ folder: EWSFolder, crmID: String, row content: String) -> EWSItemDraft {
        let row = (try? JSONSerialization.jsonObject(with: Data(content.utf8))) as? [String: Any] ?? [:]
        func text(_ key: String) -> String? {
            switch row[key] {
            case let value as String where !value.isEmpty: value
            case let value as NSNumber: value.stringValue
            default: nil
            }
        }
        func list(_ key: String) -> [String] { (row[key] as? [Any])?.compactMap { $0 as? String } ?? [] }
        /// PostgreSQL's `to_jsonb` writes timestamps with an offset and fractions; EWS gets them in UTC.
        func time(_ key: String) -> EWSItemDraft.Value? {
            text(key).flatMap(EWSDateTime.seconds).map { .text(EWSDateTime.text($0)) }
        }
        var values: [String: EWSItemDraft.Value] = [:]
        func set(_ field: String, _ value: String?) { if let value { values[field] = .text(value) } }
        switch folder {
        case .contacts:
            let given = text("given_name"), surname = text("surname")
            set("DisplayName", text("display_name")
                ?? [given, surname].compactMap { $0 }.joined(separator: " ").nilIfEmpty)
            set("GivenName", given)
            set("Surname", surname)
            set("CompanyName", text("company"))
            set("JobTitle", text("job_title"))
            let emails = list("emails")
            values["EmailAddresses"] = .indexed(Dictionary(uniqueKeysWithValues: zip(EWSContact.emailKeys, emails)))
            let phones = list("phones").isEmpty ? list("phones_raw") : list("phones")
            values["PhoneNumbers"] = .indexed(Dictionary(uniqueKeysWithValues: zip(EWSContact.phoneKeys.prefix(3), phones)))
        case .tasks:
            set("Subject", text("subject"))
            if let body = text("body_summary") { values["Body"] = .body(body) }
            set("Importance", text("importance"))
            values["DueDate"] = time("due_at")
            values["StartDate"] = time("starts_at")
            set("PercentComplete", text("percent_complete"))
            set("Status", text("status"))
        case .calendar:
            set("Subject", text("summary"))
            if let body = text("body_summary") { values["Body"] = .body(body) }
            set("UID", crmID)
            values["Start"] = time("starts_at")
            values["End"] = time("ends_at")
            let allDay = (row["all_day"] as? Bool) ?? (row["all_day"] as? NSNumber)?.boolValue ?? false
            set("IsAllDayEvent", allDay ? "true" : "false")
            set("Location", text("location"))
            let attendees = (row["attendees"] as? [[String: Any]] ?? []).map {
                CalendarAttendee(email: $0["email"] as? String, name: $0["name"] as? String)
            }
            if !attendees.isEmpty { values["RequiredAttendees"] = .attendees(attendees) }
        }
        return EWSItemDraft(folder: folder, crmID: crmID, values: values)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
