import Foundation
import HubCore
import PostgresNIO

/// Loads the central bank's rates (`fx-rates`) into `core.fx_rates`, one transaction per file through the batch
/// lifecycle: a later file replaces the rate of the same currency and day, within a file the last line wins, and
/// an unchanged rate changes nothing. A line that cannot be read is quarantined with its number.
package struct ExchangeRateStore: Sendable {
    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    static let stageTable = "stage_fx_rates"
    static let payload = ["currency text", "rate_date date", "rate numeric", "nominal integer"]

    /// Streams one file's rates: `produce` is called only when the content is new.
    package func load(
        _ source: BatchSource, beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout ExchangeRateWriter) async throws -> Void
    ) async throws -> FileLoadOutcome {
        FileLoadOutcome(try await BatchLoad(warehouse: warehouse).run(source, lock: .perContent,
                                                                      beforeCommit: beforeCommit) { batch in
            let staged = try await batch.stage(Self.stageTable, payload: Self.payload) { stage in
                var writer = ExchangeRateWriter(stage: stage)
                try await produce(&writer)
                stage = writer.stage
            }
            let changed = try await batch.connection.query("""
                WITH latest AS (
                    SELECT DISTINCT ON (currency, rate_date) * FROM stage_fx_rates WHERE kind = 'r'
                    ORDER BY currency, rate_date, line DESC
                ), changed AS (
                    INSERT INTO core.fx_rates AS f (currency, rate_date, rate, nominal, batch_id, source_line)
                    SELECT currency, rate_date, rate, nominal, \(batch.id), line FROM latest
                    ON CONFLICT (currency, rate_date) DO UPDATE
                    SET rate = EXCLUDED.rate, nominal = EXCLUDED.nominal, batch_id = EXCLUDED.batch_id,
                        source_line = EXCLUDED.source_line, updated_at = now()
                    WHERE (f.rate, f.nominal) IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.nominal)
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """, logger: batch.logger).collect().first!.decode(Int64.self)
            let counts = BatchCounts(batchID: batch.id, read: staged.rows + staged.quarantined, loaded: Int(changed),
                                     duplicate: staged.rows - Int(changed), quarantined: staged.quarantined)
            return BatchWritten(counts: counts, detail: staged.samples)
        })
    }
}

/// What the `fx-rates` reader hands its rates and unreadable lines to.
package struct ExchangeRateWriter {
    fileprivate(set) var stage: StageRowWriter

    package mutating func append(currency: String, on day: CalendarDate, rate: String, nominal: Int,
                                 line: Int) async throws {
        try await stage.append(line: line) { encoder in
            encoder.field(currency)
            encoder.field(day.iso)
            encoder.field(rate)
            encoder.field(nominal)
        }
    }

    package mutating func quarantine(_ record: QuarantinedRecord) async throws {
        try await stage.quarantine(record)
    }
}
