import CRMWarehouse
import Foundation
import HubCore
import Logging
import NIOCore
import PostgresNIO

// crmhub-bench: the 1,000,000-document bank-1c import against `psql \copy` of the same rows, in one run;
// with --xml-invoices N, the 1C EnterpriseData import against `xmllint --stream` instead (XMLBenchmark.swift).
//
//   swift build -c release && .build/release/CRMHubBenchmarks [--documents N] [--rounds R] [--out DIR]
//   swift build -c release && .build/release/CRMHubBenchmarks --xml-invoices 500000 [--rounds R]
//   swift build -c release && .build/release/CRMHubBenchmarks --purposes 1000000 [--rounds R]
//   swift build -c release && .build/release/CRMHubBenchmarks --reconcile-payments 1000000 [--reconcile-invoices 500000]
//
// Generates a CP1251 statement and the rows it must become (COPY text format), then per round: empties the
// warehouse and runs `crmhub import bank-1c` (a separate process: its wall time and peak RSS are what a user
// gets); loads the rows with `psql \copy` into a table of the same shape (LIKE core.bank_transactions
// INCLUDING ALL: the same columns, constraints and indexes); and loads them again with postgres-nio's
// `copyFrom` alone, which is the evidence for docs/decisions.md. Prints rows/s for each, the ratios, and
// crmhub's peak RSS.

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: name), index + 1 < arguments.count { return arguments[index + 1] }
    return fallback
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func findPsql() throws -> String {
    guard let psql = findTool("psql") else {
        throw HubError(.configuration, "psql not found on PATH (apt-get install -y postgresql-client)")
    }
    return psql
}

/// Unbuffered, so progress shows up as it happens when the output goes to a file.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

if let purposes = Int(option("--purposes", "")) {
    PurposeBenchmark.run(count: purposes, rounds: Int(option("--rounds", "3")) ?? 3)
    exit(0)
}

let documents = Int(option("--documents", "1000000")) ?? 1_000_000
let rounds = Int(option("--rounds", "3")) ?? 3
let outDirectory = URL(fileURLWithPath: option("--out", "bench-out")).standardized.path
let executableDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
let crmhub = executableDirectory + "/crmhub"
guard FileManager.default.isExecutableFile(atPath: crmhub) else {
    say("build crmhub first: swift build -c release --product crmhub")
    exit(2)
}
var logger = Logger(label: "bench")
logger.logLevel = .warning

if let invoices = Int(option("--xml-invoices", "")) {
    try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
    try await XMLBenchmark.run(invoices: invoices, rounds: Int(option("--rounds", "1")) ?? 1,
                               outDirectory: outDirectory, crmhub: crmhub, logger: logger)
    exit(0)
}

if let payments = Int(option("--reconcile-payments", "")) {
    try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
    try await ReconcileBenchmark.run(
        payments: payments, invoices: Int(option("--reconcile-invoices", "500000")) ?? 500_000,
        rounds: Int(option("--rounds", "1")) ?? 1, outDirectory: outDirectory, crmhub: crmhub, logger: logger)
    exit(0)
}

try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
let statementPath = outDirectory + "/statement_\(documents).txt"
let csvPath = outDirectory + "/statement_\(documents).rows"
if !FileManager.default.fileExists(atPath: csvPath) || !FileManager.default.fileExists(atPath: statementPath) {
    say("generating \(documents) documents…")
    let sizes = try StatementGenerator(documents: documents).write(statement: statementPath, rows: csvPath)
    say("  statement \(sizes.statement / 1_000_000) MB (CP1251), rows \(sizes.csv / 1_000_000) MB (COPY text)")
}

let base = try await WarehouseLocator.settings(
    url: ProcessInfo.processInfo.environment["DATABASE_URL"], workingDirectory: outDirectory, logger: logger)
let settings = base.with(database: "crmhub_bench")
try await Warehouse.open(base.with(database: "postgres"), logger: logger) { warehouse in
    try await warehouse.client.query("DROP DATABASE IF EXISTS crmhub_bench", logger: logger)
    try await warehouse.client.query("CREATE DATABASE crmhub_bench", logger: logger)
}
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
            TRUNCATE core.bank_transactions, core.bank_balances, raw.bank_statement_files, ops.quarantine, ops.batches
            RESTART IDENTITY CASCADE
            """, logger: logger)
        try await warehouse.client.query("CHECKPOINT", logger: logger)
        let run = try ChildProcess.run(crmhub, ["import", "bank-1c", statementPath],
                                       environment: ["DATABASE_URL": settings.url])
        guard run.status == 0 else { say(run.text); throw HubError(.io, "crmhub import failed") }
        let loaded = try await warehouse.client.query(
            "SELECT count(*)::int FROM core.bank_transactions", logger: logger).collect().first!.decode(Int.self)
        guard loaded == documents else { throw HubError(.io, "loaded \(loaded) rows, expected \(documents)") }
        importSeconds.append(run.seconds)
        peakRSS = max(peakRSS, run.maxRSSBytes)

        try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: logger)
        try await warehouse.client.query(
            "CREATE TABLE public.bench_copy_target (LIKE core.bank_transactions INCLUDING ALL)", logger: logger)
        try await warehouse.client.query("CHECKPOINT", logger: logger)
        let copy = try ChildProcess.run(psql, [
            settings.url, "-v", "ON_ERROR_STOP=1", "-c",
            "\\copy public.bench_copy_target (\(columns)) FROM '\(csvPath)'",
        ])
        guard copy.status == 0 else { say(copy.text); throw HubError(.io, "psql \\copy failed") }
        copySeconds.append(copy.seconds)

        try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: logger)
        try await warehouse.client.query(
            "CREATE TABLE public.bench_copy_target (LIKE core.bank_transactions INCLUDING ALL)", logger: logger)
        try await warehouse.client.query("CHECKPOINT", logger: logger)
        let nio = try await nioCopy(warehouse, path: csvPath, columns: StatementGenerator.rowColumns)
        nioSeconds.append(nio)
        say(String(format: "round %d: crmhub import %.2f s (%.0f docs/s, peak RSS %.0f MB) | psql \\copy %.2f s | postgres-nio copyFrom %.2f s",
                     round, run.seconds, Double(documents) / run.seconds, Double(run.maxRSSBytes) / 1_048_576,
                     copy.seconds, nio))
    }
    try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: logger)
}
/// Streams a COPY-text file through postgres-nio's `copyFrom` in 256 KiB writes; returns seconds.
func nioCopy(_ warehouse: Warehouse, path: String, columns: [String]) async throws -> Double {
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
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
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
