import Foundation
import HubCore
import PostgresNIO

/// One data-quality test from `mappings/*.yaml` (docs/mappings.md), run on every batch just loaded.
package struct QualityTest: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// No two rows share the value (rows of the batch against the whole table).
        case unique
        case notNull
        /// Every value names a row of `table` by `column`.
        case relationships(table: String, column: String)
        case acceptedValues([String])

        var name: String {
            switch self {
            case .unique: "unique"
            case .notNull: "not_null"
            case .relationships: "relationships"
            case .acceptedValues: "accepted_values"
            }
        }
    }

    package enum Severity: String, Sendable {
        case warn, error
    }

    package var name: String
    package var table: String
    package var column: String
    package var kind: Kind
    package var severity: Severity
    /// Rows allowed to break the test before it fails.
    package var threshold: Int
    /// `mappings/quality.yaml:12`, for messages.
    package var definedAt: String

    package init(name: String, table: String, column: String, kind: Kind, severity: Severity, threshold: Int,
                definedAt: String) {
        self.name = name
        self.table = table
        self.column = column
        self.kind = kind
        self.severity = severity
        self.threshold = threshold
        self.definedAt = definedAt
    }

    /// The SQL counting the batch's rows that break the test. Names come from the source kinds' declared tables
    /// (`SourceKinds.testableTables`, checked when the mapping file is loaded), values are parameters.
    func failingRows(batchID: Int64) -> PostgresQuery {
        let column = "t.\(self.column)"
        switch kind {
        case .unique:
            return PostgresQuery(unsafeSQL: """
                SELECT count(*)::bigint FROM \(table) t
                WHERE t.batch_id = $1 AND \(column) IS NOT NULL
                  AND EXISTS (SELECT 1 FROM \(table) o WHERE o.\(self.column) = \(column) AND o.ctid <> t.ctid)
                """, binds: Self.binds(batchID))
        case .notNull:
            return PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table) t WHERE t.batch_id = $1 AND \(column) IS NULL",
                                 binds: Self.binds(batchID))
        case .relationships(let target, let targetColumn):
            return PostgresQuery(unsafeSQL: """
                SELECT count(*)::bigint FROM \(table) t
                WHERE t.batch_id = $1 AND \(column) IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM \(target) r WHERE r.\(targetColumn) = \(column))
                """, binds: Self.binds(batchID))
        case .acceptedValues(let values):
            var binds = Self.binds(batchID)
            binds.append(values)
            return PostgresQuery(unsafeSQL: """
                SELECT count(*)::bigint FROM \(table) t
                WHERE t.batch_id = $1 AND \(column) IS NOT NULL AND NOT (\(column)::text = ANY ($2))
                """, binds: binds)
        }
    }

    private static func binds(_ batchID: Int64) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(batchID)
        return binds
    }
}

/// What one test found in one batch.
package struct QualityResult: Sendable, Equatable {
    package var test: QualityTest
    package var failures: Int
    package var passed: Bool { failures <= test.threshold }

    package var description: String {
        "\(test.name) (\(test.table).\(test.column) \(test.kind.name)): "
            + (passed ? "passed" : "\(failures) row(s) fail [\(test.severity.rawValue)]")
    }
}

extension QualityTest {
    /// Runs `tests` on batch `batchID` and records the results in `ops.quality_results`.
    package static func run(_ tests: [QualityTest], batchID: Int64, warehouse: Warehouse) async throws
        -> [QualityResult]
    {
        var results: [QualityResult] = []
        for test in tests {
            let failures = try await warehouse.client.query(test.failingRows(batchID: batchID),
                                                            logger: warehouse.logger)
                .collect().first!.decode(Int64.self)
            let result = QualityResult(test: test, failures: Int(failures))
            try await warehouse.client.query("""
                INSERT INTO ops.quality_results (batch_id, test_name, table_name, column_name, test_kind, severity,
                                                 failures, threshold, passed, defined_at)
                VALUES (\(batchID), \(test.name), \(test.table), \(test.column), \(test.kind.name),
                        \(test.severity.rawValue), \(failures), \(Int64(test.threshold)), \(result.passed),
                        \(test.definedAt))
                """, logger: warehouse.logger)
            results.append(result)
        }
        return results
    }
}
