import CRMWarehouse
import Foundation
import HubCore
import Testing

/// The real `crmhub` binary: global options on either side of the subcommand, a symbolic-link loop given as
/// input, and a YAML alias bomb given to `crmhub validate`.
@Suite("crmhub options and hostile inputs")
struct CLIOptionsAndInputsTests {
    /// Runs crmhub with the test's environment (its $DATABASE_URL names the server, not a test's database).
    func crmhub(_ arguments: [String]) async throws -> ChildProcess.Output {
        let binary = CLITests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build crmhub first: \(binary)")
        return try await withCheckedThrowingContinuation { continuation in
            // A blocking wait belongs on its own thread, not on the concurrency pool.
            Thread.detachNewThread {
                continuation.resume(with: Result { try ChildProcess.run(binary, arguments) })
            }
        }
    }

    @Test("--database-url and --log-level work before and after the subcommand, as --opt value and --opt=value")
    func globalOptionsEitherSide() async throws {
        try await TestDatabase.withFreshWarehouse { warehouse in
            let url = warehouse.settings.urlWithCredentials
            // The fresh database's name shows that the option, not $DATABASE_URL, chose the warehouse.
            let database = warehouse.settings.database
            for arguments in [["--database-url", url, "db", "status"], ["db", "status", "--database-url", url],
                              ["--database-url=\(url)", "--log-level=debug", "db", "status"]] {
                let output = try await crmhub(arguments)
                #expect(output.status == 0, "\(arguments): \(output.text)")
                #expect(output.text.contains("database: ") && output.text.contains(database), "\(output.text)")
            }
            let files = try TemporaryFiles()
            defer { files.remove() }
            for arguments in [["--log-level", "debug", "status", "--database-url", url, "--jobs", files.directory],
                              ["status", "--log-level", "debug", "--database-url", url, "--jobs", files.directory]] {
                let output = try await crmhub(arguments)
                #expect(output.status == 0, "\(arguments): \(output.text)")
                #expect(!output.text.contains("Unknown option"), "\(output.text)")
            }
            // Before the subcommand the value is still checked as the option's own.
            let wrong = try await crmhub(["--log-level", "loud", "status", "--database-url", url])
            #expect(wrong.status == 2)
            #expect(wrong.text.contains("--log-level") && wrong.text.contains("loud")
                        && !wrong.text.contains("Unknown option"), "\(wrong.text)")
        }
    }

    @Test("a symbolic-link loop given as input is reported as a loop, naming the path")
    func symlinkLoop() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let loop = files.directory + "/statement.txt"
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: files.directory + "/other.txt")
        try FileManager.default.createSymbolicLink(atPath: files.directory + "/other.txt", withDestinationPath: loop)
        for kind in ["bank-1c", "bank-mt940", "1c-enterprisedata"] {
            let output = try await crmhub(["import", kind, loop, "--database-url", "postgres://nobody@127.0.0.1:1/none"])
            #expect(output.status == 2, "\(kind): \(output.text)")
            #expect(output.text.contains("\(loop): is a symbolic-link loop (ELOOP"), "\(kind): \(output.text)")
            #expect(!output.text.contains("no such file"), "\(kind): \(output.text)")
        }
    }

    @Test("crmhub validate refuses the nine-by-nine alias bomb within seconds, naming its file and line")
    func aliasBomb() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        var lines = ["a: &a [" + Array(repeating: "\"x\"", count: 9).joined(separator: ",") + "]"]
        for (previous, name) in zip(names, names.dropFirst()) {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        }
        try FileManager.default.createDirectory(atPath: files.directory + "/jobs", withIntermediateDirectories: true)
        let bomb = try files.write("jobs/bomb.yaml", Data(lines.joined(separator: "\n").utf8))
        let output = try await crmhub(["validate", bomb])
        #expect(output.seconds < 5, "took \(output.seconds) s")
        #expect(output.status != 0)
        #expect(output.text.contains("\(bomb):5:8: error: alias *d"), "\(output.text)")
    }

    @Test("errors that have a fix name it: no jobs folder here, a report's wrong file type, a folder that cannot be written")
    func errorsNameTheirFix() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // Run from a folder without jobs/ (not the checkout): where to run it, or what to give.
        let elsewhere = try ChildProcess.run("/usr/bin/env", ["--chdir=\(files.directory)", CLITests.binary, "run", "nightly"])
        #expect(elsewhere.status == 2 && elsewhere.text.contains("no jobs folder at 'jobs'")
                && elsewhere.text.contains("--jobs DIR"), "\(elsewhere.text)")
        // A workbook named .pdf is refused before anything is read.
        let pdf = try await crmhub(["report", "reconciliation", "--from", "2025-03-01", "--to", "2025-03-31",
                                    "--out", "march.pdf", "--database-url", "postgres://nobody@127.0.0.1:1/none"])
        #expect(pdf.status == 2 && pdf.text.contains("--out must name a .xlsx file, not 'march.pdf'"), "\(pdf.text)")
        // A file where a folder should be: the system's reason, with the file, not Foundation's error domain.
        let notAFolder = try files.write("plain-file", Data("x".utf8))
        try await TestDatabase.withFreshWarehouse { warehouse in
            let ics = try await CLITests().crmhub(["export", "calendar-ics", "--out", notAFolder + "/crm.ics"],
                                                  database: warehouse.settings)
            #expect(ics.status != 0 && ics.text.contains("\(notAFolder)/crm.ics: cannot write the file: a file stands where a folder"),
                    "\(ics.text)")
            #expect(!ics.text.contains("NSCocoaErrorDomain"), "\(ics.text)")
            let workbook = try await CLITests().crmhub(["report", "timesheet", "--month", "2025-03", "--out",
                                                        notAFolder + "/t13.xlsx"], database: warehouse.settings)
            #expect(workbook.status != 0 && workbook.text.contains("\(notAFolder)/t13.xlsx: cannot create the folder for the workbook: a file stands where")
                    && !workbook.text.contains("NSCocoaErrorDomain"), "\(workbook.text)")
        }
    }
}
