import Foundation
import HubCore
import PostgresNIO

/// Meetings made in the CRM (`core.calendar_events` rows with origin `crm`, not deleted), for Outlook:
/// `crmhub export calendar-ics` and the Exchange push read them here.
package enum CRMMeetings {
    /// Every CRM meeting, or those of one calendar, ordered by start.
    package static func all(warehouse: Warehouse, calendar: String? = nil) async throws -> [CalendarEventRow] {
        let rows = try await warehouse.client.query("""
            SELECT uid, recurrence_id, summary, location, body_summary, organizer_email, organizer_name,
                   attendees::text, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint,
                   all_day, coalesce(e.time_zone, c.time_zone), rrule, status, sequence,
                   extract(epoch FROM coalesce(stamped_at, modified_at))::bigint
            FROM core.calendar_events e JOIN core.calendars c USING (calendar)
            WHERE e.origin = 'crm' AND e.deleted_at IS NULL AND (\(calendar)::text IS NULL OR e.calendar = \(calendar))
            ORDER BY starts_at NULLS LAST, uid, recurrence_id
            """, logger: warehouse.logger)
        var meetings: [CalendarEventRow] = []
        for try await row in rows {
            let columns = try row.decode((String, String, String?, String?, String?, String?, String?, String,
                                          Int64?, Int64?, Bool, String, String?, String?, Int, Int64?).self)
            meetings.append(CalendarEventRow(
                uid: columns.0, recurrenceID: columns.1, origin: "crm", summary: columns.2, location: columns.3,
                bodySummary: columns.4, organizerEmail: columns.5, organizerName: columns.6,
                attendees: (try? JSONDecoder().decode([CalendarAttendee].self, from: Data(columns.7.utf8))) ?? [],
                startsAt: columns.8, endsAt: columns.9, allDay: columns.10, timeZone: columns.11, rrule: columns.12,
                status: columns.13, sequence: columns.14, stampedAt: columns.15))
        }
        return meetings
    }
}
