import Crypto
import Foundation
import HubCore
#if canImport(Glibc)
import Glibc
#endif

/// The private PostgreSQL cluster CRMHub runs for itself when no `DATABASE_URL` is given.
///
/// Lives under `.crmhub/postgres` in the working directory: `data/` (the cluster), `run/` (the unix socket;
/// the server listens on no TCP port), `server.log`. PostgreSQL refuses to run as root, so when CRMHub runs as
/// root the server runs as the `postgres` system user; if that user cannot reach the working directory (a
/// checkout under `/root`, say), the cluster is kept under `/var/lib/crmhub/clusters/<hash>` and
/// `.crmhub/postgres` is a symbolic link to it. Start and stop are serialised with a file lock, so two
/// `crmhub` processes starting at once share one server.
package struct EmbeddedPostgres: Sendable {
    package static let databaseName = "crmhub"
    package static let superuser = "crmhub"
    static let port = 5432

    /// `.crmhub/postgres` as given (may be a link).
    package let home: String

    package init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        home = URL(fileURLWithPath: workingDirectory).appendingPathComponent(".crmhub/postgres").path
    }

    package init(home: String) {
        self.home = home
    }

    var isRoot: Bool { geteuid() == 0 }
    /// The system user the server runs as, when we are root.
    var serverUser: String? { isRoot ? "postgres" : nil }

    var resolvedHome: String { URL(fileURLWithPath: home).resolvingSymlinksInPath().path }
    var dataDirectory: String { resolvedHome + "/data" }
    var logFile: String { resolvedHome + "/server.log" }

    /// The socket directory: inside the cluster folder unless that path is too long for a unix socket
    /// (108 bytes on Linux), then a short folder under /tmp named after it.
    var socketDirectory: String {
        let inside = resolvedHome + "/run"
        if inside.utf8.count + 16 < 100 { return inside }
        return "/tmp/crmhub-" + Self.shortHash(resolvedHome)
    }

    /// Connection settings for the embedded cluster (it need not be running yet).
    package var settings: DatabaseSettings {
        DatabaseSettings(target: .unixSocket(directory: socketDirectory, port: Self.port),
                         username: Self.superuser, password: nil, database: Self.databaseName)
    }

    // MARK: - Binaries

    /// initdb and pg_ctl from PATH, else the newest `/usr/lib/postgresql/*/bin`.
    static func binDirectory() throws(HubError) -> String {
        let fileManager = FileManager.default
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = String(directory)
            if fileManager.isExecutableFile(atPath: path + "/initdb"),
               fileManager.isExecutableFile(atPath: path + "/pg_ctl") { return path }
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions where fileManager.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw HubError(.configuration, """
            PostgreSQL server programs (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin.
            Install them (Debian/Ubuntu: apt-get install -y postgresql), or set DATABASE_URL to an existing server.
            """)
    }

    // MARK: - Lifecycle

    package enum State: Equatable, Sendable {
        case notInitialised
        case stopped
        case running(pid: Int)
    }

    package func state() throws -> State {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return .notInitialised }
        let bin = try Self.binDirectory()
        let output = try ChildProcess.run(bin + "/pg_ctl", ["status", "-D", dataDirectory], as: serverUser)
        if output.status == 0 {
            let pid = output.text.split(separator: "PID: ").dropFirst().first
                .flatMap { Int($0.prefix(while: { $0.isNumber })) } ?? 0
            return .running(pid: pid)
        }
        return .stopped
    }

    /// Initialises the cluster on first use and starts it if it is not running. Idempotent and safe to call
    /// from several processes at once. Returns true when this call started the server.
    @discardableResult
    package func start() throws -> Bool {
        try withLock {
            let bin = try Self.binDirectory()
            try prepareHome()
            if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
                try initialise(bin: bin)
            }
            if case .running = try state() { return false }
            try makeDirectory(socketDirectory)
            let output = try ChildProcess.run(bin + "/pg_ctl", [
                "start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60",
                // Each crmhub process holds a small pool plus one connection per load, and the test suite runs
                // dozens at once: more than PostgreSQL's default 100 slots.
                "-o", "-c listen_addresses= -c unix_socket_directories=\(socketDirectory) -p \(Self.port) "
                    + "-c max_connections=300",
            ], as: serverUser)
            guard output.status == 0 else {
                let log = (try? String(contentsOfFile: logFile, encoding: .utf8))?
                    .split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
                throw HubError(.database, "the embedded PostgreSQL did not start:\n\(output.text)\n\(log)")
            }
            return true
        }
    }

    /// Stops the server (fast shutdown: open transactions roll back, committed data is safe).
    package func stop() throws {
        try withLock {
            guard case .running = try state() else { return }
            let bin = try Self.binDirectory()
            let output = try ChildProcess.run(bin + "/pg_ctl", ["stop", "-D", dataDirectory, "-m", "fast", "-w"],
                                               as: serverUser)
            guard output.status == 0 else { throw HubError(.database, "pg_ctl stop failed: \(output.text)") }
        }
    }

    private func initialise(bin: String) throws {
        try makeDirectory(dataDirectory)
        let output = try ChildProcess.run(bin + "/initdb", [
            "-D", dataDirectory, "-U", Self.superuser, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
        ], as: serverUser)
        guard output.status == 0 else { throw HubError(.database, "initdb failed:\n\(output.text)") }
        // Bulk loads write a lot of WAL: fewer forced checkpoints keep COPY at full speed. fsync stays on.
        let tuning = """

            # Added by crmhub: a private warehouse cluster for batch loads.
            listen_addresses = ''
            max_wal_size = '4GB'
            checkpoint_timeout = '15min'
            shared_buffers = '256MB'
            wal_buffers = '16MB'
            maintenance_work_mem = '256MB'
            work_mem = '64MB'

            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(tuning.utf8))
        try handle.close()
        // The `crmhub` database is created on first connection by `Warehouse` users (see ensureDatabase).
    }

    /// Creates `.crmhub/postgres` where the server's user can reach it.
    private func prepareHome() throws {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: resolvedHome) { return }
        let parent = URL(fileURLWithPath: home).deletingLastPathComponent().path
        try fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if let user = serverUser, !Self.userCanReach(user: user, directory: parent) {
            let elsewhere = "/var/lib/crmhub/clusters/" + Self.shortHash(URL(fileURLWithPath: home).standardized.path)
            try fileManager.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            chmod("/var/lib/crmhub", 0o755)
            chmod("/var/lib/crmhub/clusters", 0o755)
            try? fileManager.removeItem(atPath: home)
            try fileManager.createSymbolicLink(atPath: home, withDestinationPath: elsewhere)
        }
        try makeDirectory(resolvedHome)
    }

    private func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o700)
        if let user = serverUser, let entry = getpwnam(user) {
            chown(path, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
    }

    static func userCanReach(user: String, directory: String) -> Bool {
        (try? ChildProcess.run("/usr/bin/test", ["-x", directory], as: user).status == 0)
            ?? false
    }

    /// Serialises start/stop across processes with an exclusive lock on a file beside the cluster folder.
    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let parent = URL(fileURLWithPath: home).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let descriptor = open(parent + "/postgres.lock", O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw HubError(.io, "cannot create \(parent)/postgres.lock") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw HubError(.io, "cannot lock \(parent)/postgres.lock") }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    static func shortHash(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).prefix(8).map { byte in
            byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
