import Testing

import Scheduler

/// `crmhub --database-url URL db status`: shared options before the subcommand are moved behind it.
@Suite("global options before the subcommand")
struct GlobalArgumentsTests {
    @Test("leading shared options move behind the subcommand, in both spellings", arguments: [
        (["--database-url", "postgres://h/db", "db", "status"], ["db", "status", "--database-url", "postgres://h/db"]),
        (["--log-level=debug", "status"], ["status", "--log-level=debug"]),
        (["--log-level", "debug", "--database-url=postgres://h/db", "import", "bank-1c", "a.txt"],
         ["import", "bank-1c", "a.txt", "--log-level", "debug", "--database-url=postgres://h/db"]),
        (["--log-level", "debug", "run", "nightly", "--", "--odd-file"],
         ["run", "nightly", "--log-level", "debug", "--", "--odd-file"]),
    ])
    func moved(arguments: [String], expected: [String]) {
        #expect(GlobalArguments.hoisted(arguments) == expected)
    }

    @Test("anything else is left as given", arguments: [
        ["db", "status", "--database-url", "postgres://h/db"],
        ["--help"],
        ["--database-url"],
        ["--log-level", "debug"],
        ["--dry-run", "--log-level", "debug", "run"],
        ["import", "bank-1c", "--log-level", "debug", "a.txt"],
    ])
    func unchanged(arguments: [String]) {
        #expect(GlobalArguments.hoisted(arguments) == arguments)
    }
}
