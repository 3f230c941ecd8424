import CRMWarehouse
import Foundation
import HubCore
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ends the process exactly once, however it ends — done, failed, or interrupted (Ctrl-C, SIGTERM, SIGHUP) —
/// and first stops the private PostgreSQL this run started, so that a benchmark never leaves a server behind.
enum Shutdown {
    /// The embedded server to stop on the way out: set only when this run started it.
    private static let server = Mutex<EmbeddedPostgres?>(nil)
    /// The write end of the self-pipe the signal handler wakes the watcher thread through.
    nonisolated(unsafe) private static var signalPipe: Int32 = -1

    static func stopOnExit(_ embedded: EmbeddedPostgres) {
        server.withLock { $0 = embedded }
    }

    /// Stops the server (if this run started one) and exits. The lock is held until the process is gone, so a
    /// signal arriving while the main path is already exiting (or the other way round) waits instead of
    /// stopping twice or calling `exit` from two threads.
    static func exit(_ code: Int32) -> Never {
        server.withLock { server -> Never in
            if let embedded = server {
                do {
                    try embedded.stop()
                } catch {
                    sayError("could not stop the private PostgreSQL under \(embedded.home): \(error)")
                }
            }
            Foundation.exit(code)
        }
    }

    /// A signal handler may only do async-signal-safe things, and stopping PostgreSQL runs `pg_ctl`: the
    /// handler writes the signal's number into a pipe and a thread of ours does the rest. A handler (rather
    /// than ignoring the signal for a dispatch source) is reset to the default by exec, so `crmhub` and `psql`
    /// children still die of Ctrl-C as they should.
    static func installSignalHandlers() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        // Not inherited by children (the PostgreSQL server among them).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        signalPipe = ends[1]
        let reader = ends[0]
        Thread.detachNewThread {
            var number: UInt8 = 0
            while read(reader, &number, 1) != 1 {
                guard errno == EINTR else { return }
            }
            sayError("interrupted (signal \(number)); stopping")
            Shutdown.exit(128 + Int32(number))
        }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            _ = signal(signalNumber) { received in
                var number = UInt8(truncatingIfNeeded: received)
                _ = write(Shutdown.signalPipe, &number, 1)
            }
        }
    }
}
