import Foundation
import HubCore
import PostgresNIO

/// The short statement report `crmhub demo` prints: per account and day the bank's opening and closing
/// balance with what came in and went out, and the largest counterparties.
package struct StatementReport: Sendable {
    package struct Day: Sendable {
        package var account: String
        package var date: String
        package var currency: String?
        package var opening: String?
        package var credited: String
        package var debited: String
        package var closing: String?
        package var transactions: Int
        /// Whether the loaded transactions add up to the bank's own totals for that day.
        package var matchesBank: Bool?
    }

    package struct Counterparty: Sendable {
        package var name: String
        package var inn: String?
        package var incoming: String
        package var outgoing: String
        package var transactions: Int
    }

    package var days: [Day]
    package var counterparties: [Counterparty]

    package static func read(_ warehouse: Warehouse, topCounterparties: Int = 5) async throws -> StatementReport {
        var days: [Day] = []
        let dayRows = try await warehouse.client.query("""
            SELECT account, booked_on::text, currency, opening::text, coalesce(credited, 0)::text,
                   coalesce(debited, 0)::text, closing::text, transactions::int, matches_bank_totals
            FROM mart.bank_daily_turnover ORDER BY account, booked_on
            """, logger: warehouse.logger)
        for try await (account, date, currency, opening, credited, debited, closing, count, matches) in dayRows.decode(
            (String, String, String?, String?, String, String, String?, Int, Bool?).self) {
            days.append(Day(account: account, date: date, currency: currency, opening: opening, credited: credited,
                            debited: debited, closing: closing, transactions: count,
                            matchesBank: opening == nil ? nil : matches))
        }
        var counterparties: [Counterparty] = []
        let partyRows = try await warehouse.client.query("""
            SELECT coalesce(counterparty_name, counterparty_account, '(unknown)'),
                   coalesce(counterparty_inn, counterparty_pinfl),
                   coalesce(sum(amount) FILTER (WHERE direction = 'in'), 0)::text,
                   coalesce(sum(amount) FILTER (WHERE direction = 'out'), 0)::text,
                   count(*)::int
            FROM core.bank_transactions
            GROUP BY 1, 2
            ORDER BY sum(amount) DESC, 1
            LIMIT \(topCounterparties)
            """, logger: warehouse.logger)
        for try await (name, inn, incoming, outgoing, count) in partyRows.decode(
            (String, String?, String, String, Int).self) {
            counterparties.append(Counterparty(name: name, inn: inn, incoming: incoming, outgoing: outgoing,
                                               transactions: count))
        }
        return StatementReport(days: days, counterparties: counterparties)
    }
}

extension StatementReport {
    /// Per statement format (1C client-bank, camt.053, MT940): the files loaded and the lines they hold.
    package static func formats(_ warehouse: Warehouse) async throws -> [[String]] {
        try await warehouse.client.query("""
            SELECT f.format, count(DISTINCT f.batch_id)::text, count(t.id)::text,
                   coalesce(min(t.booked_on)::text || ' .. ' || max(t.booked_on)::text, '')
            FROM raw.bank_statement_files f LEFT JOIN core.bank_transactions t ON t.batch_id = f.batch_id
            GROUP BY f.format ORDER BY f.format
            """, logger: warehouse.logger).collect().map { row in
            let (format, files, lines, days) = try row.decode((String, String, String, String).self)
            return [["1c": "1C client-bank (bank-1c)", "camt053": "ISO 20022 camt.053 (bank-camt053)",
                     "mt940": "SWIFT MT940 (bank-mt940)"][format] ?? format, files, lines, days]
        }
    }
}

