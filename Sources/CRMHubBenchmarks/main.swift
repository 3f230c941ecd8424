import CRMWarehouse
import Foundation
import HubCore
import Logging

// crmhub-bench: the 1,000,000-document bank-1c import against `psql \copy` of the same rows, in one run.
//
//   swift build -c release && .build/release/CRMHubBenchmarks [--documents N] [--rounds R] [--out DIR]
//
// Generates a CP1251 statement and the equivalent CSV, then per round: empties the warehouse and runs
// `crmhub import bank-1c` (a separate process: its wall time and peak RSS are what a user gets), then loads
// the CSV with `psql \copy` into a table of the same shape (LIKE core.bank_transactions INCLUDING ALL: the
// same columns, constraints and indexes). Prints documents/s for both, the ratio, and peak RSS.

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
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(directory)/psql") { return "\(directory)/psql" }
    throw HubError(.configuration, "psql not found on PATH (apt-get install -y postgresql-client)")
}

let documents = Int(option("--documents", "1000000")) ?? 1_000_000
let rounds = Int(option("--rounds", "3")) ?? 3
let outDirectory = URL(fileURLWithPath: option("--out", "bench-out")).standardized.path
let executableDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
let crmhub = executableDirectory + "/crmhub"
guard FileManager.default.isExecutableFile(atPath: crmhub) else {
    print("build crmhub first: swift build -c release --product crmhub")
    exit(2)
}
var logger = Logger(label: "bench")
logger.logLevel = .warning

try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
let statementPath = outDirectory + "/statement_\(documents).txt"
let csvPath = outDirectory + "/statement_\(documents).csv"
if !FileManager.default.fileExists(atPath: csvPath) || !FileManager.default.fileExists(atPath: statementPath) {
    print("generating \(documents) documents…")
    let sizes = try StatementGenerator(documents: documents).write(statement: statementPath, csv: csvPath)
    print("  statement \(sizes.statement / 1_000_000) MB (CP1251), CSV \(sizes.csv / 1_000_000) MB")
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
var peakRSS = 0
try await Warehouse.open(settings, logger: logger) { warehouse in
    try await Migrator.bundled().migrate(warehouse)
    let columns = StatementGenerator.csvColumns.joined(separator: ",")
    for round in 1...rounds {
        try await warehouse.client.query("""
            TRUNCATE core.bank_transactions, core.bank_balances, raw.bank_1c_files, ops.quarantine, ops.batches
            RESTART IDENTITY CASCADE
            """, logger: logger)
        try await warehouse.client.query("CHECKPOINT", logger: logger)
        let run = try ChildProcess.run(crmhub, ["import", "bank-1c", statementPath],
                                       environment: ["DATABASE_URL": settings.url])
        guard run.status == 0 else { print(run.text); throw HubError(.io, "crmhub import failed") }
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
            "\\copy public.bench_copy_target (\(columns)) FROM '\(csvPath)' WITH (FORMAT csv)",
        ])
        guard copy.status == 0 else { print(copy.text); throw HubError(.io, "psql \\copy failed") }
        copySeconds.append(copy.seconds)
        print(String(format: "round %d: crmhub import %.2f s (%.0f docs/s, peak RSS %.0f MB) | psql \\copy %.2f s (%.0f rows/s)",
                     round, run.seconds, Double(documents) / run.seconds, Double(run.maxRSSBytes) / 1_048_576,
                     copy.seconds, Double(documents) / copy.seconds))
    }
    try await warehouse.client.query("DROP TABLE IF EXISTS public.bench_copy_target", logger: logger)
}
let importRate = Double(documents) / median(importSeconds)
let copyRate = Double(documents) / median(copySeconds)
print(String(format: """

    bank-1c import benchmark (%d documents, median of %d rounds)
      crmhub import bank-1c : %8.0f documents/s  (%.2f s end to end)
      psql \\copy (same rows): %8.0f rows/s       (%.2f s)
      ratio                 : %.2f× (target ≥ 0.5)
      crmhub peak RSS       : %.0f MB (target ≤ 200 MB)
    """, documents, rounds, importRate, median(importSeconds), copyRate, median(copySeconds),
    importRate / copyRate, Double(peakRSS) / 1_048_576))
