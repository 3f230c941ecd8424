import CRMWarehouse
import Foundation
import HubCore
import PostgresNIO
import Testing

/// The real binary when the database fails under it: the server ends the connection or refuses data in the
/// middle of a COPY, two overlapping statements load at once, nobody answers at all. Nothing may hang.
@Suite("crmhub when the database fails under it")
struct ConnectionFailureTests {
    /// A generous bound for a debug build on a busy two-core machine; a hang runs into it and fails the test.
    static let bound: Duration = .seconds(90)

    func crmhub(_ arguments: [String], database: DatabaseSettings, timeout: Duration = ConnectionFailureTests.bound,
                started: (@Sendable (pid_t) -> Void)? = nil) async throws -> ChildProcess.Output {
        try await CLITests().crmhub(arguments, database: database, timeout: timeout, started: started)
    }

    /// A bank-1c statement of `count` incoming payments numbered from `first`, one of them numbered `HOLD`
    /// (the test trigger below waits on it), written straight to disk.
    static func statement(_ files: TemporaryFiles, name: String, first: Int = 1, count: Int, hold: Int? = nil)
        throws -> String
    {
        let path = files.directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: StatementFiles.encode(StatementFiles.header()))
        var lines: [String] = []
        for n in first..<(first + count) {
            lines += StatementFiles.incoming(number: n == hold ? "HOLD" : "\(n)", amount: "\(n).00",
                                             purpose: "00668 Оплата по счету №\(n) за услуги связи и обслуживание")
            if lines.count > 20_000 {
                try handle.write(contentsOf: StatementFiles.encode(lines))
                lines.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: StatementFiles.encode(lines + ["КонецФайла"]))
        return path
    }

    /// Makes the server stop reading in the middle of a COPY: the row numbered `HOLD` waits for an advisory
    /// lock the test holds, then (with `raise`) is refused, as a unique violation from a concurrent load is.
    func holdCopy(_ warehouse: Warehouse, raise: Bool) async throws {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: """
            CREATE FUNCTION public.test_hold_copy() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.doc_number = 'HOLD' THEN
                    PERFORM pg_advisory_xact_lock_shared(424242);
                    \(raise ? "RAISE EXCEPTION 'refused by the test in the middle of COPY';" : "")
                END IF;
                RETURN NEW;
            END $$
            """), logger: warehouse.logger)
        try await warehouse.client.query("""
            CREATE TRIGGER test_hold_copy BEFORE INSERT ON core.bank_transactions
                FOR EACH ROW EXECUTE FUNCTION public.test_hold_copy()
            """, logger: warehouse.logger)
    }

    /// Waits until a backend of this database waits for the test's lock, then as long again for the client to
    /// fill the socket and stop writing; returns that backend's pid.
    func waitForHeldCopy(_ warehouse: Warehouse) async throws -> Int32 {
        for _ in 0..<600 {
            let rows = try await warehouse.client.query("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'
                """, logger: warehouse.logger).collect()
            if let row = rows.first {
                try await Task.sleep(for: .seconds(2))
                return try row.decode(Int32.self)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the import never reached the held row")
        return 0
    }

    func count(_ warehouse: Warehouse, _ sql: String) async throws -> Int {
        try await warehouse.client.query(PostgresQuery(unsafeSQL: sql), logger: warehouse.logger)
            .collect().first!.decode(Int.self)
    }

    @Test("the server refusing data while the client is held back mid-COPY: the import ends at once, exit 1")
    func serverErrorDuringCopy() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        // Some 12 MB: far more than the socket and CRMHub's own buffer hold while the server is not reading.
        let path = try Self.statement(files, name: "held.txt", count: 30_000, hold: 50)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await holdCopy(warehouse, raise: true)
            try await warehouse.client.withConnection { lock in
                try await lock.query("SELECT pg_advisory_lock(424242)", logger: warehouse.logger)
                async let importing = crmhub(["import", "bank-1c", path], database: warehouse.settings)
                _ = try await waitForHeldCopy(warehouse)
                let released = ContinuousClock.now
                try await lock.query("SELECT pg_advisory_unlock(424242)", logger: warehouse.logger)
                let output = try await importing
                #expect(!output.timedOut, "the import hung after the server refused its data")
                #expect(ContinuousClock.now - released < .seconds(30))
                #expect(output.status == 1, "\(output.text)")
                #expect(output.text.contains("refused by the test in the middle of COPY"))
                #expect(output.text.contains("held.txt: nothing from this file was saved"))
            }
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 0)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.batches
                WHERE status = 'failed' AND source_name LIKE '%held.txt' AND error LIKE '%middle of COPY%'
                """) == 1)
        }
    }

    @Test("the server ending the connection mid-COPY (as pg_ctl stop -m fast does): exit 1 within the bound")
    func connectionEndedDuringCopy() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let path = try Self.statement(files, name: "cut.txt", count: 30_000, hold: 50)
        try await TestDatabase.withFreshWarehouse { warehouse in
            try await holdCopy(warehouse, raise: false)
            try await warehouse.client.withConnection { lock in
                try await lock.query("SELECT pg_advisory_lock(424242)", logger: warehouse.logger)
                async let importing = crmhub(["import", "bank-1c", path], database: warehouse.settings)
                let backend = try await waitForHeldCopy(warehouse)
                let ended = ContinuousClock.now
                // What every backend gets from `pg_ctl stop -m fast`: SIGTERM, a FATAL 57P01, the socket closed.
                try await warehouse.client.query("SELECT pg_terminate_backend(\(backend))", logger: warehouse.logger)
                let output = try await importing
                try await lock.query("SELECT pg_advisory_unlock(424242)", logger: warehouse.logger)
                #expect(!output.timedOut, "the import hung after its connection was ended")
                #expect(ContinuousClock.now - ended < .seconds(30))
                #expect(output.status == 1, "\(output.text)")
                #expect(output.text.contains("cut.txt: nothing from this file was saved"))
            }
            #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 0)
            #expect(try await count(warehouse, """
                SELECT count(*)::int FROM ops.batches WHERE status = 'failed' AND source_name LIKE '%cut.txt'
                """) == 1)
        }
    }

    @Test("two overlapping statements imported at the same time, ten times: both load every time, each payment once")
    func overlappingImports() async throws {
        let files = try TemporaryFiles()
        defer { files.remove() }
        let first = try Self.statement(files, name: "first.txt", first: 1, count: 3_000)
        let second = try Self.statement(files, name: "second.txt", first: 1_501, count: 3_000)
        for round in 1...10 {
            try await TestDatabase.withFreshWarehouse { warehouse in
                async let one = crmhub(["import", "bank-1c", first], database: warehouse.settings)
                async let two = crmhub(["import", "bank-1c", second], database: warehouse.settings)
                let outputs = try await [one, two]
                #expect(outputs.allSatisfy { !$0.timedOut && $0.status == 0 }, "round \(round): \(outputs.map(\.text))")
                #expect(try await count(warehouse, "SELECT count(*)::int FROM core.bank_transactions") == 4_500,
                        "round \(round)")
                #expect(try await count(warehouse, "SELECT count(*)::int FROM ops.batches WHERE status = 'loaded'") == 2)
            }
        }
    }

    @Test("a server that refuses connections is reported within the connect timeout, naming it")
    func refusedConnection() async throws {
        // A port nobody listens on: bind one, note it, close it.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(socket)
        let nobody = try DatabaseSettings(url: "postgres://crmhub:secret@127.0.0.1:\(port)/warehouse?sslmode=disable")
        for arguments in [["db", "status"], ["status"], ["import", "bank-1c", CLITests.samples + "/01_kl_to_1c_2024-04-15.txt"]] {
            let output = try await crmhub(arguments, database: nobody, timeout: .seconds(60))
            #expect(!output.timedOut)
            #expect(output.seconds < 12, "\(arguments): \(output.seconds) s")
            #expect(output.status != 0)
            #expect(output.text.contains("cannot reach PostgreSQL at postgresql://crmhub@127.0.0.1:\(port)/warehouse"),
                    "\(output.text)")
            #expect(output.text.contains("connection refused"), "\(output.text)")
            #expect(!output.text.contains("secret"))
        }
    }

    @Test("a server that answers but has no such database, or no such user, says what to fix, and is not retried")
    func refusalsNameTheirFix() async throws {
        let server = try await TestDatabase.server()
        let missing = try await crmhub(["status"], database: server.with(database: "no_such_database_here"))
        #expect(missing.status == 1, "\(missing.text)")
        #expect(missing.text.contains("has no database \"no_such_database_here\": create it (createdb no_such_database_here"),
                "\(missing.text)")
        let stranger = try DatabaseSettings(url: server.urlWithCredentials
            .replacingOccurrences(of: "user=\(server.username)", with: "user=no_such_role_here")
            .replacingOccurrences(of: "//\(server.username)", with: "//no_such_role_here"))
        let refused = try await crmhub(["status"], database: stranger)
        #expect(refused.text.contains("refused user \"no_such_role_here\"") && refused.text.contains("pg_hba.conf"),
                "\(refused.text)")
        // Not retryable: the scheduler would otherwise wait and try again for nothing.
        do {
            try await Warehouse.open(server.with(database: "no_such_database_here"), logger: TestDatabase.logger) { _ in }
            Issue.record("a warehouse without its database opened")
        } catch let error as HubError {
            #expect(!error.isRetryable, "\(error)")
        }
    }
}
