import CRMWarehouse
import Foundation
import HubCore
import Logging

/// The calls benchmark: N generated MANGO OFFICE statistics legs imported and classified as `calls-mango`
/// (legs stored, calls classified, clients created), against `psql \copy` of the resulting rows in the same run.
///
///   swift build -c release && .build/release/CRMHubBenchmarks --call-legs 1000000 [--rounds R]
///
/// Generates a month of calls on 200,000 client numbers, about 1.6 legs per call: single answered legs, hunts (a
/// missed leg, then a colleague's answer), transfers, missed, queue and voice-menu calls, outgoing calls. Per
/// round: a fresh database; `crmhub import calls-mango` timed as a separate process (wall time, peak RSS); then
/// the `core.call_legs` and `core.calls` rows it wrote are copied out (not timed), and `psql \copy` of those
/// rows into tables of the same shape (LIKE … INCLUDING ALL) is timed. Fails unless every leg was stored and
/// every call classified.
enum CallsBenchmark {
    static func run(legs: Int, rounds: Int, _ context: BenchmarkContext) async throws {
        let logger = context.logger
        let folder = context.outDirectory + "/calls_\(legs)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let csv = folder + "/mango-stats.csv", settingsFile = folder + "/calls.yaml"
        say("generating \(legs) call legs…")
        let calls = try generate(legs: legs, to: csv)
        try Data("version: 1\ntimezone: Asia/Tashkent\n".utf8).write(to: URL(fileURLWithPath: settingsFile))
        say("  \(calls) calls, \(AttendanceBenchmark.fileSize(csv) / 1_000_000) MB")
        let settings = context.settings
        let psql = try findPsql()
        let environment = ["DATABASE_URL": settings.urlWithCredentials]
        var importSeconds: [Double] = [], copySeconds: [Double] = []
        var peak = 0
        for round in 1...rounds {
            try await context.recreateDatabase()
            _ = try await Warehouse.open(settings, logger: logger) { try await Migrator.bundled().migrate($0) }
            let imported = try ChildProcess.run(context.crmhub, ["import", "calls-mango", csv, "--settings", settingsFile],
                                                environment: environment)
            guard imported.status == 0 else { say(imported.text); throw HubError(.io, "crmhub import calls-mango failed") }
            let (storedLegs, storedCalls, clients) = try await Warehouse.open(settings, logger: logger) { warehouse in
                (try await BankBenchmark.count("core.call_legs", warehouse),
                 try await BankBenchmark.count("core.calls", warehouse),
                 try await BankBenchmark.count("core.clients", warehouse))
            }
            guard storedLegs == legs, storedCalls == calls else {
                throw HubError(.database, "crmhub stored \(storedLegs) legs and \(storedCalls) calls, expected \(legs) "
                                   + "and \(calls)")
            }
            importSeconds.append(imported.seconds)
            peak = max(peak, imported.maxRSSBytes)

            // The reference: exactly the rows crmhub wrote, loaded by psql into tables of the same shape.
            let legRows = folder + "/legs.rows", callRows = folder + "/calls.rows"
            let dump = try ChildProcess.run(psql, [
                settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1",
                "-c", "\\copy core.call_legs TO '\(legRows)'", "-c", "\\copy core.calls TO '\(callRows)'",
                "-c", "CREATE TABLE public.bench_call_legs (LIKE core.call_legs INCLUDING ALL)",
                "-c", "CREATE TABLE public.bench_calls (LIKE core.calls INCLUDING ALL)", "-c", "CHECKPOINT",
            ])
            guard dump.status == 0 else { say(dump.text); throw HubError(.io, "psql could not copy the rows out") }
            let copy = try ChildProcess.run(psql, [
                settings.urlWithCredentials, "-v", "ON_ERROR_STOP=1",
                "-c", "\\copy public.bench_call_legs FROM '\(legRows)'", "-c", "\\copy public.bench_calls FROM '\(callRows)'",
            ])
            guard copy.status == 0 else { say(copy.text); throw HubError(.io, "psql \\copy exited with \(copy.status)") }
            copySeconds.append(copy.seconds)
            say(String(format: "round %d: crmhub import calls-mango %.2f s (peak RSS %.0f MB; %d clients) | "
                        + "psql \\copy %.2f s", round, imported.seconds, Double(imported.maxRSSBytes) / 1_048_576,
                       clients, copy.seconds))
        }
        let crmhubSeconds = median(importSeconds), psqlSeconds = median(copySeconds)
        say(String(format: """

            calls benchmark (%d legs, %d calls, median of %d rounds)
              crmhub import calls-mango : %8.0f legs/s  (%.2f s: parse, store, classify, clients, merge)
              psql \\copy (same rows)    : %8.0f legs/s  (%.2f s for the legs and the calls)
              ratio                     : %.2f× (target ≥ 0.5)
              peak RSS                  : %.0f MB (target ≤ 200 MB)
            """, legs, calls, rounds, Double(legs) / crmhubSeconds, crmhubSeconds, Double(legs) / psqlSeconds,
            psqlSeconds, psqlSeconds / crmhubSeconds, Double(peak) / 1_048_576))
    }

    /// Writes `legs` legs of MANGO OFFICE's default stats fields; the number of calls.
    static func generate(legs: Int, to path: String) throws -> Int {
        guard let output = OutputStream(toFileAtPath: path, append: false) else {
            throw HubError(.io, "cannot write \(path)")
        }
        output.open()
        defer { output.close() }
        var buffer = ""
        var generator = SplitMix(seed: 20_250_301)
        var written = 0, calls = 0
        var start: Int64 = 1_740_787_200  // 2025-03-01 00:00 UTC
        func row(_ fields: [String]) {
            buffer += fields.joined(separator: ";") + "\n"
            written += 1
        }
        func flush() {
            let bytes = Array(buffer.utf8)
            _ = bytes.withUnsafeBufferPointer { output.write($0.baseAddress!, maxLength: $0.count) }
            buffer.removeAll(keepingCapacity: true)
        }
        while written < legs {
            calls += 1
            start += Int64(1 + generator.next() % 4)
            let entry = "ZW50cnk6\(calls)"
            let client = "99890" + String(1_000_000 + Int(generator.next() % 200_000)).suffix(7)
            let employee = String(101 + Int(generator.next() % 40))
            let colleague = String(101 + (Int(employee)! - 100) % 40)
            let sip = "sip:user\(employee)@acme.mangosip.ru"
            let kind = generator.next() % 100
            let left = legs - written
            let line = kind % 3 == 0 ? "998712000001" : "998712000000"
            func leg(_ offset: Int64, answer: Int64?, finish: Int64, fromExt: String = "", from: String,
                     toExt: String = "", to: String, reason: String, location: String, record: Bool = false) {
                let s = start + offset
                row([record ? "[cmVj\(calls)]" : "", String(s), String(start + finish),
                     answer.map { String(start + $0) } ?? "0", fromExt, from, toExt, to, reason, line, location, entry])
            }
            switch kind {
            case 0..<10 where left >= 2:  // hunt: a missed leg, then a colleague answers
                leg(0, answer: nil, finish: 20, from: client, toExt: colleague, to: "sip:c@pbx", reason: "1111",
                    location: "abonent")
                leg(20, answer: 27, finish: 300, from: client, toExt: employee, to: sip, reason: "1110",
                    location: "abonent", record: true)
            case 10..<15 where left >= 2:  // blind transfer
                leg(0, answer: 8, finish: 120, from: client, toExt: employee, to: sip, reason: "1180", location: "abonent")
                leg(120, answer: 126, finish: 400, from: client, toExt: colleague, to: "sip:c@pbx", reason: "1110",
                    location: "abonent", record: true)
            case 15..<23:
                leg(0, answer: nil, finish: 25, from: client, toExt: employee, to: sip, reason: "1111", location: "abonent")
            case 23..<27:
                leg(0, answer: nil, finish: 95, from: client, to: line, reason: "1163", location: "queue")
            case 27..<31:
                leg(0, answer: nil, finish: 15, from: client, to: line, reason: "1110", location: "ivr")
            case 31..<40:
                let answered = kind % 2 == 0
                leg(0, answer: answered ? 9 : nil, finish: answered ? 180 : 6, fromExt: employee, from: sip,
                    to: client, reason: answered ? "1110" : "1121", location: "abonent", record: answered)
            default:
                leg(0, answer: 6, finish: 6 + Int64(30 + generator.next() % 400), from: client, toExt: employee, to: sip,
                    reason: "1110", location: "abonent", record: true)
            }
            if buffer.utf8.count > 1 << 20 { flush() }
        }
        flush()
        return calls
    }
}
