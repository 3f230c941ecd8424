import Foundation
import PostgresNIO

extension Warehouse {
    /// Refreshes every materialized view of the `mart` schema, in name order; their names. Plain views need
    /// nothing and are not listed.
    package func refreshMaterializedMarts() async throws -> [String] {
        let views = try await client.query("""
            SELECT quote_ident(schemaname) || '.' || quote_ident(matviewname) FROM pg_matviews
            WHERE schemaname = 'mart' ORDER BY matviewname
            """, logger: logger).collect().map { try $0.decode(String.self) }
        for view in views {
            // Names come from the catalogue, quoted by the server itself.
            try await client.query(PostgresQuery(unsafeSQL: "REFRESH MATERIALIZED VIEW \(view)"), logger: logger)
        }
        return views
    }
}
