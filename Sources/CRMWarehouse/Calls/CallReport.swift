import Foundation
import HubCore
import PostgresNIO

/// The call centre's two reports as tables: the missed calls not called back (`mart.missed_calls`) and the
/// weekly figures per employee and line (`mart.calls_weekly`), over local days `days` (the settings' zone).
package struct CallReport: Sendable {
    /// One cell: text from data, or a number the query computed.
    package enum Value: Sendable, Equatable {
        case text(String)
        case number(String)
    }

    package var title: String
    package var header: [String]
    package var rows: [[Value]]

    /// `format` turns an E.164 number into the settings' phone format.
    package static func missedCalls(_ warehouse: Warehouse, days: ClosedRange<CalendarDate>,
                                    format: @Sendable (String) -> String) async throws -> CallReport {
        var report = CallReport(title: "Пропущенные звонки", header: [
            "Дата и время", "Номер клиента", "Клиент", "Линия", "Исход", "Вне рабочего времени", "Внутренний номер",
            "Сотрудник", "Перезвонили", "ID звонка"], rows: [])
        let rows = try await warehouse.client.query("""
            SELECT to_char(m.started_local, 'YYYY-MM-DD HH24:MI:SS'), m.client_phone, m.client_name,
                   coalesce(m.line_name, m.line_number), m.outcome, m.after_hours, m.employee_extension, m.employee,
                   to_char(m.called_back_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI:SS'), m.entry_id
            FROM mart.missed_calls m CROSS JOIN ops.call_center_settings s
            WHERE m.started_local >= \(days.lowerBound.iso)::date AND m.started_local < \(days.upperBound.iso)::date + 1
            ORDER BY m.started_at, m.entry_id
            """, logger: warehouse.logger)
        for try await (time, phone, client, line, outcome, afterHours, ext, employee, calledBack, entry)
            in rows.decode((String, String?, String?, String?, String, Bool, String?, String?, String?, String).self)
        {
            report.rows.append([.text(time), .text(phone.map(format) ?? "анонимный"), .text(client ?? ""),
                                .text(line ?? ""), .text(outcome), .text(afterHours ? "да" : ""), .text(ext ?? ""),
                                .text(employee ?? ""), .text(calledBack.map { "позже: \($0)" } ?? "нет"),
                                .text(entry)])
        }
        return report
    }

    package static func weekly(_ warehouse: Warehouse, days: ClosedRange<CalendarDate>) async throws -> CallReport {
        var report = CallReport(title: "Звонки по неделям", header: [
            "Неделя с", "Внутренний номер", "Сотрудник", "Линия", "Входящие", "Принятые", "Пропущенные", "Исходящие",
            "Исходящие с ответом", "Внутренние", "Средний разговор, с", "Короткие"], rows: [])
        let rows = try await warehouse.client.query("""
            SELECT w.week_start::text, w.employee_extension, w.employee, coalesce(w.line_name, w.line_number),
                   w.incoming, w.answered, w.missed, w.outgoing, w.outgoing_answered, w.internal,
                   w.average_talk_seconds::text, w.short_answered
            FROM mart.calls_weekly w
            WHERE w.week_start >= date_trunc('week', \(days.lowerBound.iso)::date)::date
              AND w.week_start <= \(days.upperBound.iso)::date
            ORDER BY w.week_start, w.employee_extension NULLS LAST, 4 NULLS LAST
            """, logger: warehouse.logger)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            var values: [Value] = [.text(try cells[0].decode(String.self)),
                                   .text(try cells[1].decode(String?.self) ?? "без сотрудника"),
                                   .text(try cells[2].decode(String?.self) ?? ""),
                                   .text(try cells[3].decode(String?.self) ?? "")]
            for index in 4...9 { values.append(.number(String(try cells[index].decode(Int64.self)))) }
            values.append(try cells[10].decode(String?.self).map(Value.number) ?? .text(""))
            values.append(.number(String(try cells[11].decode(Int64.self))))
            report.rows.append(values)
        }
        return report
    }

    /// Calls per PBX, direction and outcome, with their talk time (the demo's table).
    package static func summary(_ warehouse: Warehouse) async throws -> [[String]] {
        try await warehouse.client.query("""
            SELECT pbx, direction, outcome, count(*)::text, sum(talk_seconds)::text FROM core.calls
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """, logger: warehouse.logger).collect().map { try $0.decode((String, String, String, String, String).self) }
            .map { [$0.0, $0.1, $0.2, $0.3, $0.4] }
    }

    /// The clients made from calls, in the order they were made.
    package static func clients(_ warehouse: Warehouse) async throws -> [[String]] {
        try await warehouse.client.query("""
            SELECT phone, name, coalesce(responsible_extension, ''), coalesce(source_line_name, source_line_number, '')
            FROM core.clients ORDER BY client_id
            """, logger: warehouse.logger).collect().map { try $0.decode((String, String, String, String).self) }
            .map { [$0.0, $0.1, $0.2, $0.3] }
    }
}
