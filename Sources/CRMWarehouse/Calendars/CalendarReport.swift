import Foundation
import HubCore
import PostgresNIO

/// What the calendars hold, as rows of text for the demo and the terminal: per calendar its window and
/// occurrences, and the occurrences themselves in their calendar's local time.
package enum CalendarReport {
    /// Per calendar: its zone, its owner, where it came from, the window last loaded and its occurrences in it.
    package static func calendars(_ warehouse: Warehouse) async throws -> [[String]] {
        let rows = try await warehouse.client.query("""
            SELECT c.calendar, c.time_zone, coalesce(c.owner, ''), i.source_kind,
                   to_char(i.window_from AT TIME ZONE c.time_zone, 'YYYY-MM-DD') || ' .. ' ||
                   to_char(i.window_to AT TIME ZONE c.time_zone, 'YYYY-MM-DD'),
                   (SELECT count(*) FROM core.calendar_occurrence_views v WHERE v.calendar = c.calendar)::text
            FROM core.calendars c JOIN ops.calendar_imports i USING (calendar)
            ORDER BY c.calendar, i.source_kind
            """, logger: warehouse.logger)
        var table: [[String]] = []
        for try await row in rows.decode((String, String, String, String, String, String).self) {
            table.append([row.0, row.1, row.2, row.3, row.4, row.5])
        }
        return table
    }

    /// The first `limit` occurrences from `from` on, local to the first calendar holding each.
    package static func occurrences(_ warehouse: Warehouse, from: Date, limit: Int) async throws -> [[String]] {
        let rows = try await warehouse.client.query("""
            SELECT to_char(o.starts_at AT TIME ZONE c.time_zone,
                           CASE WHEN o.all_day THEN 'YYYY-MM-DD' ELSE 'YYYY-MM-DD HH24:MI' END),
                   CASE WHEN o.all_day THEN 'all day' ELSE to_char(o.ends_at AT TIME ZONE c.time_zone, 'HH24:MI') END,
                   coalesce(o.subject, ''),
                   CASE WHEN o.recurrence_id = '' THEN '' ELSE 'series' END ||
                   CASE WHEN EXISTS (SELECT 1 FROM core.calendar_events e WHERE e.uid = o.event_uid
                                     AND e.recurrence_id = o.recurrence_id AND o.recurrence_id <> '')
                        THEN ', changed' ELSE '' END,
                   array_to_string(o.calendars, ', ')
            FROM core.calendar_occurrences o JOIN core.calendars c ON c.calendar = o.calendars[1]
            WHERE o.starts_at >= \(from)
            ORDER BY o.starts_at, o.event_uid LIMIT \(limit)
            """, logger: warehouse.logger)
        var table: [[String]] = []
        for try await row in rows.decode((String, String, String, String, String).self) {
            table.append([row.0, row.1, row.2, row.3, row.4])
        }
        return table
    }
}
