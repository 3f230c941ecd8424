import Foundation
import HubCore
import PostgresNIO

/// The webhook receiver's reads and writes outside call loads: MANGO OFFICE's notifications, each kept once
/// (`ops.mango_events`), the call-tracking answers (`core.call_tracking`), and the routing lookup.
package struct CallCentreQueries: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    /// Keeps one notification; false when it was received before (the same kind, entry, leg and `seq`).
    package func storeEvent(kind: String, entryID: String, callID: String, seq: Int, json: String) async throws -> Bool {
        let rows = try await warehouse.client.query("""
            INSERT INTO ops.mango_events (event_kind, entry_id, call_id, seq, json)
            VALUES (\(kind), \(entryID), \(callID), \(seq), \(json))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: warehouse.logger).collect()
        return !rows.isEmpty
    }

    /// Whether the call's summary (the "call is over" signal) has come.
    package func hasSummary(entryID: String) async throws -> Bool {
        !(try await warehouse.client.query("""
            SELECT 1 FROM ops.mango_events WHERE event_kind = 'summary' AND entry_id = \(entryID)
            """, logger: warehouse.logger).collect()).isEmpty
    }

    /// The `events/call` notifications of one call, as received (json text), in key order.
    package func callEvents(entryID: String) async throws -> [String] {
        var events: [String] = []
        for try await json in try await warehouse.client.query("""
            SELECT json FROM ops.mango_events WHERE event_kind = 'call' AND entry_id = \(entryID) ORDER BY call_id, seq
            """, logger: warehouse.logger).decode(String.self) {
            events.append(json)
        }
        return events
    }

    package func markProcessed(entryID: String) async throws {
        try await warehouse.client.query("""
            UPDATE ops.mango_events SET processed = true WHERE entry_id = \(entryID) AND NOT processed
            """, logger: warehouse.logger)
    }

    /// What the call-tracking service said of a call's visitor, kept once per call (the first answer stands).
    package func storeTracking(entryID: String, number: String, answer: TrackingAnswer) async throws {
        try await warehouse.client.query("""
            INSERT INTO core.call_tracking (pbx, entry_id, tracking_number, tracking_client_id, google_cid, city,
                country_code, utm_source, utm_medium, utm_campaign, utm_content, utm_term, seconds_on_site, page,
                context_id, answer)
            VALUES ('mango', \(entryID), \(number), \(answer.clientID), \(answer.googleCID), \(answer.city),
                    \(answer.countryCode), \(answer.utmSource), \(answer.utmMedium), \(answer.utmCampaign),
                    \(answer.utmContent), \(answer.utmTerm), \(answer.secondsOnSite), \(answer.page),
                    \(answer.contextID), \(answer.raw))
            ON CONFLICT (pbx, entry_id) DO NOTHING
            """, logger: warehouse.logger)
    }

    /// The routing rule of the customer's guide: the client found by the caller's number (several: the first
    /// found), and the responsible — of those clients in turn, the first whose employee is not deleted, archived
    /// or dismissed. Nil when no client has the number.
    package func responsible(forPhone phone: String) async throws -> RoutingAnswer? {
        var answer: RoutingAnswer?
        let rows = try await warehouse.client.query("""
            SELECT c.client_id, c.name, c.responsible_extension,
                   c.responsible_extension IS NOT NULL AND (emp.personnel_number IS NULL
                       OR (NOT emp.deleted AND NOT emp.archived
                           AND (emp.dismissed_on IS NULL OR emp.dismissed_on > current_date)))
            FROM core.client_phones p
            JOIN core.clients c ON c.client_id = p.client_id
            LEFT JOIN core.phone_extensions e ON e.extension = c.responsible_extension
            LEFT JOIN core.employees emp ON emp.personnel_number = e.personnel_number
            WHERE p.phone = \(phone)
            ORDER BY c.client_id
            """, logger: warehouse.logger)
        for try await (id, name, responsible, active) in rows.decode((Int64, String, String?, Bool).self) {
            if answer == nil { answer = RoutingAnswer(clientID: id, clientName: name, extension: nil) }
            if answer?.extension == nil, active { answer?.extension = responsible }
        }
        return answer
    }
}

/// The answer to "who is responsible for this number".
package struct RoutingAnswer: Sendable, Equatable {
    package var clientID: Int64
    package var clientName: String
    /// Nil when every responsible is blocked: the PBX routes as it would for a new number.
    package var `extension`: String?
}

/// MANGO OFFICE's `user_info_by_dct_number` answer, the fields the customer's guide keeps.
package struct TrackingAnswer: Sendable, Equatable {
    package var clientID: String?
    package var googleCID: String?
    /// The city, or the ISO country code when the city is not known.
    package var city: String?
    package var countryCode: String?
    package var utmSource: String?
    package var utmMedium: String?
    package var utmCampaign: String?
    package var utmContent: String?
    package var utmTerm: String?
    package var secondsOnSite: Int?
    package var page: String?
    package var contextID: String?
    package var raw: String

    package init(raw: String) {
        self.raw = raw
    }
}
