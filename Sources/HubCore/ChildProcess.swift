import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (initdb, pg_ctl, psql, crmhub itself in benchmarks) to completion and reports what
/// it printed, how long it took and its peak memory.
///
/// posix_spawn and wait4 instead of Foundation's `Process`: on Linux, `Process.waitUntilExit()` called from a
/// Swift concurrency thread was seen to wait forever for a child that had already exited, and `Process` cannot
/// report the child's resource usage.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var text: String
        public var seconds: Double
        /// Peak resident set size of the child, in bytes.
        public var maxRSSBytes: Int
        /// The child was killed because it ran past the `timeout` given to `run`.
        public var timedOut = false
    }

    /// - Parameters:
    ///   - user: run as this system user through `runuser` (only meaningful when we are root).
    ///   - environment: extra variables on top of ours.
    ///   - timeout: after this long the child is killed (SIGKILL) and `timedOut` is set: for tests that must
    ///     end even when what they test hangs.
    ///   - started: told the child's pid as soon as it runs (a test that kills it on purpose).
    public static func run(
        _ executable: String, _ arguments: [String], as user: String? = nil, environment: [String: String] = [:],
        timeout: Duration? = nil, started: (@Sendable (pid_t) -> Void)? = nil
    ) throws -> Output {
        let argv = (user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]) + arguments
        // Output goes to a file, not a pipe: `pg_ctl start` leaves a server running that may inherit the
        // descriptor, and reading a pipe to its end would then wait for the server to stop.
        let outputPath = NSTemporaryDirectory() + "crmhub-\(UUID().uuidString).out"
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        let start = ContinuousClock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, &cEnvironment)
        guard spawned == 0 else {
            throw HubError(.io, "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        started?(pid)
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        if let timeout {
            let deadline = start + timeout
            while true {
                let waited = wait4(pid, &status, WNOHANG, &usage)
                if waited == pid { break }
                if waited < 0 && errno != EINTR { throw HubError(.io, "waiting for \(executable) failed") }
                if ContinuousClock.now >= deadline, !timedOut {
                    timedOut = true
                    kill(pid, SIGKILL)
                }
                usleep(20_000)
            }
        } else {
            while wait4(pid, &status, 0, &usage) < 0 {
                guard errno == EINTR else { throw HubError(.io, "waiting for \(executable) failed") }
            }
        }
        let elapsed = ContinuousClock.now - start
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Output(
            status: exitStatus, text: String(decoding: data, as: UTF8.self),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            maxRSSBytes: usage.ru_maxrss * 1024, timedOut: timedOut)
    }
}
