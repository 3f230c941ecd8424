import CRMWarehouse
import Foundation
import HubCore
import Logging
import NIOCore
import PostgresNIO

/// The bank-1c benchmark: the N-document import against `psql \copy` of the same rows, in one run.
///
///   swift build -c release && .build/release/CRMHubBenchmarks --documents 1000000 [--rounds R] [--out DIR]
///
/// Generates a CP1251 statement and the rows it must become (COPY text format), then per round: empties the
/// warehouse and runs `crmhub import bank-1c` (a separate process: its wall time and peak RSS are what a user
/// gets); loads the rows with `psql \copy` into a table of the same shape (LIKE core.bank_transactions
/// INCLUDING ALL: the same columns, constraints and indexes); and loads them again with postgres-nio's
/// `copyFrom` alone, which is the evidence for docs/decisions.md. Prints rows/s for each, the ratios, and
/// crmhub's peak RSS.
///
/// Each load's row count is checked against the others, and crmhub's rows against the reference rows column
/// by column, so that a reference load that fails, loads nothing or loads other rows stops the run instead of
/// producing a ratio.
enum BankBenchmark {
    static func run(documents: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let logger = context.logger
        let statementPath = context.outDirectory + "/statement_\(documents).txt"
        let rowsPath = context.outDirectory + "/statement_\(documents).rows"
        let generator = StatementGenerator(documents: documents)
        if !generator.isCurrent(statement: statementPath, rows: rowsPath) {
            say("generating \(documents) documents…")
            let sizes = try generator.write(statement: statementPath, rows: rowsPath)
            say("  statement \(sizes.statement / 1_000_000) MB (CP1251), rows \(sizes.csv / 1_000_000) MB (COPY text)")
        }

        try await context.recreateDatabase()
        let settings = context.settings
        let psql = try findPsql()
        var importSeconds: [Double] = []
        var copySeconds: [Double] = []
        var nioSeconds: [Double] = []
        var peakRSS = 0
        try await Warehouse.open(settings, logger: logger) { warehouse in
            try await Migrator.bundled().migrate(warehouse)
            let columns = StatementGenerator.rowColumns.joined(separator: ",")
            for round in 1...rounds {
                try await warehouse.client.query("""
                    TRUNCATE core.bank_transactions, core.bank_balances, raw.bank_statement_files, ops.quarantine,
                             ops.batches
                    RESTART IDENTITY CASCADE
                    """, logger: logger)
                try await warehouse.client.query("CHECKPOINT", logger: logger)
                let run = try ChildProcess.run(context.crmhub, context.importArguments("bank-1c", statementPath),
                                               environment: ["DATABASE_URL": settings.urlWithCredentials])
                guard run.status == 0 else {
                    say(run.text)
                    throw HubError(.io, "crmhub import bank-1c exited with \(run.status)")
                }
                let loaded = try await count("core.bank_transactions", warehouse)
                guard loaded == documents else {
                    throw HubError(.database, "crmhub import bank-1c loaded \(loaded) rows, expected \(documents)")
                }
                importSeconds.append(run.seconds)
                peakRSS = max(peakRSS, run.maxRSSBytes)

                try await recreateCopyTarget(warehouse)
                let copy = try ChildProcess.run(psql, [
                    settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1", "-c",
                    "\\copy public.bench_copy_target (\(columns)) FROM '\(rowsPath)'",
                ])
                guard copy.status == 0 else {
                    say(copy.text)
                    throw HubError(.io, "psql \\copy of the reference rows exited with \(copy.status)")
                }
                try await expectSameCount(as: loaded, load: "psql \\copy", warehouse)
                if round == 1 { try await compareWithReference(warehouse) }
                copySeconds.append(copy.seconds)

                try await recreateCopyTarget(warehouse)
                let nio = try await nioCopy(warehouse, path: rowsPath, columns: StatementGenerator.rowColumns)
                try await expectSameCount(as: loaded, load: "postgres-nio copyFrom", warehouse)
                nioSeconds.append(nio)
                say(String(format: "round %d: crmhub import %.2f s (%.0f docs/s, peak RSS %.0f MB) | "
                            + "psql \\copy %.2f s | postgres-nio copyFrom %.2f s",
                           round, run.seconds, Double(documents) / run.seconds, Double(run.maxRSSBytes) / 1_048_576,
                           copy.seconds, nio))
            }
            try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: logger)
        }

        let importRate = Double(documents) / median(importSeconds)
        let nioRate = Double(documents) / median(nioSeconds)
        let copyRate = Double(documents) / median(copySeconds)
        say(String(format: """

            bank-1c import benchmark (%d documents, median of %d rounds)
              crmhub import bank-1c : %8.0f documents/s  (%.2f s end to end)
              psql \\copy (same rows): %8.0f rows/s       (%.2f s)
              ratio                 : %.2f× (target ≥ 0.5)
              crmhub peak RSS       : %.0f MB (target ≤ 200 MB)
              postgres-nio copyFrom : %8.0f rows/s       (%.2f s), %.2f× psql \\copy (load only, same rows)
            """, documents, rounds, importRate, median(importSeconds), copyRate, median(copySeconds),
            importRate / copyRate, Double(peakRSS) / 1_048_576, nioRate, median(nioSeconds), nioRate / copyRate))
    }

    static func count(_ table: String, _ warehouse: Warehouse) async throws -> Int {
        try await warehouse.client.query(.init(unsafeSQL: "SELECT count(*)::int FROM \(table)"),
                                         logger: warehouse.logger).collect().first!.decode(Int.self)
    }

    /// A reference load that holds fewer (or more) rows than crmhub loaded would make the ratio meaningless.
    static func expectSameCount(as loaded: Int, load: String, _ warehouse: Warehouse) async throws {
        let copied = try await count("public.bench_copy_target", warehouse)
        guard copied == loaded else {
            throw HubError(.database, "\(load) loaded \(copied) reference rows, crmhub import bank-1c \(loaded): "
                           + "the benchmark would compare different work")
        }
    }

    static func recreateCopyTarget(_ warehouse: Warehouse) async throws {
        try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: warehouse.logger)
        try await warehouse.client.query(
            "CREATE TABLE public.bench_copy_target (LIKE core.bank_transactions INCLUDING ALL)",
            logger: warehouse.logger)
        try await warehouse.client.query("CHECKPOINT", logger: warehouse.logger)
    }

    /// Checks, column by column, that the reference rows are the rows crmhub loaded (matched on the natural key
    /// and occurrence), so that `psql \copy` is timed on the same work. Only `batch_id` may differ.
    static func compareWithReference(_ warehouse: Warehouse) async throws {
        let compared = StatementGenerator.rowColumns.filter { !["natural_key", "occurrence", "batch_id"].contains($0) }
        let differing = compared.map { "count(*) FILTER (WHERE c.\"\($0)\" IS DISTINCT FROM r.\"\($0)\")" }
        let counts = try await warehouse.client.query(.init(unsafeSQL: """
            SELECT ARRAY[count(*) FILTER (WHERE r.natural_key IS NULL), \(differing.joined(separator: ", "))]::bigint[]
            FROM core.bank_transactions c
            LEFT JOIN public.bench_copy_target r ON r.natural_key = c.natural_key AND r.occurrence = c.occurrence
            """), logger: warehouse.logger).collect().first!.decode([Int64].self)
        var problems: [String] = []
        if counts[0] > 0 { problems.append("\(counts[0]) of crmhub's rows have no reference row with their key") }
        for (column, count) in zip(compared, counts.dropFirst()) where count > 0 {
            problems.append("\(column) differs in \(count) rows")
        }
        guard problems.isEmpty else {
            throw HubError(.database, "the reference rows for psql \\copy are not the rows crmhub loaded ("
                           + problems.joined(separator: "; ") + "): make StatementGenerator write what the bank-1c "
                           + "import writes")
        }
    }

    /// Streams a COPY-text file through postgres-nio's `copyFrom` in 256 KiB writes; returns seconds.
    static func nioCopy(_ warehouse: Warehouse, path: String, columns: [String]) async throws -> Double {
        let logger = warehouse.logger
        let start = ContinuousClock.now
        try await warehouse.client.withConnection { connection in
            try await connection.query("SET search_path TO public", logger: logger)
            try await connection.copyFrom(table: "bench_copy_target", columns: columns, logger: logger) { writer in
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                var carry = Data()
                while let chunk = try handle.read(upToCount: 1 << 18), !chunk.isEmpty {
                    carry.append(chunk)
                    // COPY messages may split rows, but keep whole rows per write anyway (as crmhub does).
                    guard let lastNewline = carry.lastIndex(of: 0x0A) else { continue }
                    let rows = carry[carry.startIndex...lastNewline]
                    try await writer.write(ByteBuffer(bytes: rows))
                    carry = Data(carry[carry.index(after: lastNewline)...])
                }
                if !carry.isEmpty { try await writer.write(ByteBuffer(bytes: carry)) }
            }
            try await connection.query("RESET search_path", logger: logger)
        }
        return seconds(ContinuousClock.now - start)
    }
}
