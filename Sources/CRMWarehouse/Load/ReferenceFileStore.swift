import Foundation
import HubCore
import PostgresNIO

/// Loads small files of fixed layout: the central bank's rates (`fx-rates` → `core.fx_rates`) and payment agents'
/// registries (`payment-registry` → `core.payment_registry_entries`), which reconciliation reads beside the
/// statements, and the credit bureau's answers (`bureau-response` → `core.bureau_responses`). One transaction per file through the batch lifecycle; a later file replaces
/// what an earlier one said for the same key (a currency and day; a registry's entry), within a file the last line
/// wins, an unchanged row changes nothing, and a line that cannot be read is quarantined with its number.
package struct ReferenceFileStore: Sendable {
    /// What a file holds.
    package enum Content: Sendable {
        case exchangeRates
        case paymentRegistry
        case bureauResponses

        /// The stage's payload columns, in the order `ReferenceRowWriter.append` gets the fields.
        var payload: [String] {
            switch self {
            case .exchangeRates: ["currency text", "rate_date date", "rate numeric", "nominal integer"]
            case .paymentRegistry:
                ["registry text", "registry_date date", "position integer", "payer_tax_id text", "payer_name text",
                 "amount numeric", "purpose text"]
            case .bureauResponses:
                ["submission text", "contract text", "record text", "file_line integer", "status text",
                 "reason_code text", "message text"]
            }
        }

        /// Moves the staged rows of batch `batchID` into `core`, counting the rows that changed.
        func merge(batchID: Int64) -> PostgresQuery {
            switch self {
            case .exchangeRates:
                """
                WITH latest AS (
                    SELECT DISTINCT ON (currency, rate_date) * FROM stage_reference_rows WHERE kind = 'r'
                    ORDER BY currency, rate_date, line DESC
                ), changed AS (
                    INSERT INTO core.fx_rates AS f (currency, rate_date, rate, nominal, batch_id, source_line)
                    SELECT currency, rate_date, rate, nominal, \(batchID), line FROM latest
                    ON CONFLICT (currency, rate_date) DO UPDATE
                    SET rate = EXCLUDED.rate, nominal = EXCLUDED.nominal, batch_id = EXCLUDED.batch_id,
                        source_line = EXCLUDED.source_line, updated_at = now()
                    WHERE (f.rate, f.nominal) IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.nominal)
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
            case .paymentRegistry:
                """
                WITH latest AS (
                    SELECT DISTINCT ON (registry, position) * FROM stage_reference_rows WHERE kind = 'r'
                    ORDER BY registry, position, line DESC
                ), changed AS (
                    INSERT INTO core.payment_registry_entries AS e (registry, registry_date, position, payer_tax_id,
                        payer_name, amount, purpose, batch_id, source_line)
                    SELECT registry, registry_date, position, payer_tax_id, payer_name, amount, purpose, \(batchID),
                           line
                    FROM latest
                    ON CONFLICT (registry, position) DO UPDATE
                    SET registry_date = EXCLUDED.registry_date, payer_tax_id = EXCLUDED.payer_tax_id,
                        payer_name = EXCLUDED.payer_name, amount = EXCLUDED.amount, purpose = EXCLUDED.purpose,
                        batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line, updated_at = now()
                    WHERE (e.registry_date, e.payer_tax_id, e.payer_name, e.amount, e.purpose)
                          IS DISTINCT FROM (EXCLUDED.registry_date, EXCLUDED.payer_tax_id, EXCLUDED.payer_name,
                                            EXCLUDED.amount, EXCLUDED.purpose)
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
            case .bureauResponses:
                """
                WITH latest AS (
                    SELECT DISTINCT ON (submission, contract, record, file_line) * FROM stage_reference_rows
                    WHERE kind = 'r' ORDER BY submission, contract, record, file_line, line DESC
                ), changed AS (
                    INSERT INTO core.bureau_responses AS b (submission, contract_number, record, file_line, status,
                        reason_code, message, batch_id, source_line)
                    SELECT submission, contract, record, file_line, status, reason_code, message, \(batchID), line
                    FROM latest
                    ON CONFLICT (submission, contract_number, record, file_line) DO UPDATE
                    SET status = EXCLUDED.status, reason_code = EXCLUDED.reason_code, message = EXCLUDED.message,
                        batch_id = EXCLUDED.batch_id, source_line = EXCLUDED.source_line, updated_at = now()
                    WHERE (b.status, b.reason_code, b.message)
                          IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.reason_code, EXCLUDED.message)
                    RETURNING 1
                )
                SELECT count(*)::bigint FROM changed
                """
            }
        }
    }

    package let warehouse: Warehouse

    package init(warehouse: Warehouse) {
        self.warehouse = warehouse
    }

    static let stageTable = "stage_reference_rows"

    /// Streams one file's rows: `produce` is called only when the content is new.
    package func load(
        _ source: BatchSource, content: Content, beforeCommit: LoadCommitHook? = nil,
        produce: @Sendable (inout ReferenceRowWriter) async throws -> Void
    ) async throws -> FileLoadOutcome {
        FileLoadOutcome(try await BatchLoad(warehouse: warehouse).run(source, lock: .perContent,
                                                                      beforeCommit: beforeCommit) { batch in
            let staged = try await batch.stageRows(Self.stageTable, payload: content.payload, produce: produce)
            let changed = try await batch.scalar(content.merge(batchID: batch.id))
            let counts = BatchCounts(batchID: batch.id, read: staged.rows + staged.quarantined, loaded: changed,
                                     duplicate: staged.rows - changed, quarantined: staged.quarantined)
            return BatchWritten(counts: counts, detail: staged.samples)
        })
    }
}

/// What a reference file's reader hands its rows and unreadable lines to.
package struct ReferenceRowWriter {
    fileprivate(set) var stage: StageRowWriter
    let fieldCount: Int

    /// One row: exactly the content's payload fields, in order, as PostgreSQL reads them (nil for NULL).
    package mutating func append(line: Int, fields: [String?]) async throws {
        precondition(fields.count == fieldCount, "a reference row of \(fields.count) fields for \(fieldCount) columns")
        try await stage.append(line: line) { encoder in
            for field in fields { encoder.field(field) }
        }
    }

    package mutating func quarantine(_ record: QuarantinedRecord) async throws {
        try await stage.quarantine(record)
    }
}

extension OpenBatch {
    /// The single bigint a statement returns (a count).
    func scalar(_ query: PostgresQuery) async throws -> Int {
        Int(try await connection.query(query, logger: logger).collect().first!.decode(Int64.self))
    }

    /// Stages a fixed-layout file: `produce` hands its rows (the payload's fields) and unreadable lines to a
    /// `ReferenceRowWriter` over the stage table `name`.
    func stageRows(_ name: String, payload: [String], produce: (inout ReferenceRowWriter) async throws -> Void)
        async throws -> (rows: Int, quarantined: Int, samples: [QuarantinedRecord])
    {
        try await stage(name, payload: payload) { stage in
            var writer = ReferenceRowWriter(stage: stage, fieldCount: payload.count)
            try await produce(&writer)
            stage = writer.stage
        }
    }
}
