import ArgumentParser
import Foundation
import Scheduler

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check job files (and mapping files) and report every problem with its file, line and column.",
        discussion: reflow("""
            Reads every .yaml file under the given paths (by default jobs and mappings in the current folder)
            and prints each problem as file:line:column: error: message, the way a compiler does: unknown keys
            (with the key that was probably meant), wrong values, cron expressions and time zones that do not
            parse, literal secrets, and job ids used twice. Nothing is run and no database is needed.

            Exit codes: 0 no errors (warnings may be printed); 2 errors found.

            Example: crmhub validate jobs/nightly.yaml
            """)
    )

    @Argument(help: ArgumentHelp("Files or folders to check (default: jobs and mappings, those that exist).",
                                 valueName: "path"))
    var paths: [String] = []

    func run() throws {
        var paths = self.paths
        if paths.isEmpty {
            paths = ["jobs", "mappings"].filter { FileManager.default.fileExists(atPath: $0) }
            guard !paths.isEmpty else {
                throw ValidationError("there is no jobs or mappings folder here; run crmhub validate in the "
                                          + "folder that holds them, or name the files to check")
            }
        }
        let result = ConfigValidator.validate(paths)
        for diagnostic in result.diagnostics { print(diagnostic) }
        let summary = "checked \(result.files.count) file(s): \(result.errors) error(s), \(result.warnings) warning(s)"
        if result.errors > 0 {
            FileHandle.standardError.write(Data((summary + "\n").utf8))
            throw ExitCode(2)
        }
        print(summary)
    }
}
