import Foundation
import HubCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (initdb, pg_ctl) to completion and captures what it printed.
///
/// posix_spawn and waitpid instead of Foundation's `Process`: on Linux, `Process.waitUntilExit()` called from
/// a Swift concurrency thread was seen to wait forever for a child that had already exited.
struct ProcessRunner {
    struct Output {
        var status: Int32
        var text: String
    }

    /// - Parameter user: run as this system user through `runuser` (only when we are root).
    static func run(_ executable: String, _ arguments: [String], as user: String? = nil) throws -> Output {
        let argv = user.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]
        let allArguments = argv + arguments
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

        var cArguments: [UnsafeMutablePointer<CChar>?] = allArguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, allArguments[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw HubError(.database, "cannot start \(allArguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw HubError(.database, "waiting for \(executable) failed") }
        }
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Output(status: exitStatus, text: String(decoding: data, as: UTF8.self))
    }
}
