import Foundation

/// The life of one batch: the states an attempt to load one source unit goes through, what `ops.batches`
/// records for each, and what happens after a failure. A value type without I/O (`BatchLoad` drives it), so
/// that every transition is tested on its own and no store can skip a step or invent one.
///
/// ```
/// waitingForLock ─lockAcquired→ checking ─┬─foundLoaded→ alreadyLoaded                    (nothing written)
///                                         ├─refused────→ refused        ('ignored' row, committed)
///                                         └─opened─────→ loading ─wrote→ written ─committed→ loaded
///                                                           └─foundLoadedAfterReading→ alreadyLoaded (rolled back)
/// any state before a commit ─failed→ retrying (a deadlock or serialisation failure, the next attempt from the
///                                     top) | failed (rolled back; then the failure is recorded, or spooled)
/// ```
struct BatchLifecycle: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// Attempt `attempt` (1 = the first) waits for the batch's advisory lock.
        case waitingForLock(attempt: Int)
        /// The lock is held: "loaded before?" and the kind's own admission are being checked.
        case checking
        /// The `ops.batches` row exists with status `loading`; the kind writes its rows.
        case loading(batchID: Int64)
        /// Everything is written and the row says `loaded`; the commit (with the job's cursor) is next.
        case written(batchID: Int64, counts: BatchCounts)
        /// Committed: the batch is in the warehouse. Final.
        case loaded(batchID: Int64, counts: BatchCounts)
        /// The same content was loaded before (batch `batchID`): nothing of this attempt stays. Final.
        case alreadyLoaded(batchID: Int64)
        /// The kind declined the content (a 1C message number already accepted): an `ignored` row. Final.
        case refused(batchID: Int64)
        /// Rolled back by a transient conflict with a concurrent load; attempt `attempt` is next.
        case retrying(attempt: Int)
        /// Rolled back for good: nothing of it stays, and the failure is to be recorded. Final.
        case failed(message: String)
    }

    enum Event: Sendable, Equatable {
        case lockAcquired
        case foundLoaded(batchID: Int64)
        case refused(batchID: Int64)
        case opened(batchID: Int64)
        case wrote(BatchCounts)
        /// The content's hash, known only once it was read, names a batch loaded before.
        case foundLoadedAfterReading(batchID: Int64)
        case committed
        /// The transaction was rolled back; `conflict` when PostgreSQL aborted it for a concurrent load
        /// (deadlock `40P01`, serialisation `40001`), which a new attempt resolves.
        case failed(message: String, conflict: Bool)
    }

    /// A transition the lifecycle does not have: a store bug, never a data problem.
    struct InvalidTransition: Error, Equatable, CustomStringConvertible {
        var state: State
        var event: Event
        var description: String { "batch lifecycle: \(event) is not possible in state \(state)" }
    }

    /// Attempts in all when concurrent loads conflict (the first included).
    static let maxAttempts = 3

    private(set) var state: State = .waitingForLock(attempt: 1)
    private var attempt = 1

    init() {}

    /// Whether the state is one the attempt ends in.
    var isFinal: Bool {
        switch state {
        case .loaded, .alreadyLoaded, .refused, .failed: true
        case .waitingForLock, .checking, .loading, .written, .retrying: false
        }
    }

    /// What `ops.batches.status` says of the batch in this state; nil where no row of this attempt exists (or,
    /// after a rollback, none survives).
    var recordedStatus: String? {
        switch state {
        case .loading: "loading"
        case .written, .loaded: "loaded"
        case .refused: "ignored"
        case .failed: "failed"
        case .waitingForLock, .checking, .alreadyLoaded, .retrying: nil
        }
    }

    /// The pause before the next attempt, in the `retrying` state: longer each time, so that the two loads
    /// that collided do not collide again.
    var retryDelay: Duration? {
        guard case .retrying(let next) = state else { return nil }
        return .milliseconds(100 * next)
    }

    mutating func handle(_ event: Event) throws(InvalidTransition) {
        switch (state, event) {
        case (.waitingForLock, .lockAcquired):
            state = .checking
        case (.checking, .foundLoaded(let id)):
            state = .alreadyLoaded(batchID: id)
        case (.checking, .refused(let id)):
            state = .refused(batchID: id)
        case (.checking, .opened(let id)):
            state = .loading(batchID: id)
        case (.loading(let id), .wrote(let counts)):
            guard counts.batchID == id else { throw InvalidTransition(state: state, event: event) }
            state = .written(batchID: id, counts: counts)
        case (.loading, .foundLoadedAfterReading(let earlier)), (.written, .foundLoadedAfterReading(let earlier)):
            state = .alreadyLoaded(batchID: earlier)
        case (.written(let id, let counts), .committed):
            state = .loaded(batchID: id, counts: counts)
        case (.waitingForLock, .failed(let message, let conflict)), (.checking, .failed(let message, let conflict)),
             (.loading, .failed(let message, let conflict)), (.written, .failed(let message, let conflict)):
            if conflict && attempt < Self.maxAttempts {
                attempt += 1
                state = .retrying(attempt: attempt)
            } else {
                state = .failed(message: message)
            }
        case (.retrying(let next), .lockAcquired):
            // The next attempt starts from the top: its lock, then the checks.
            precondition(next == attempt)
            state = .checking
        default:
            throw InvalidTransition(state: state, event: event)
        }
    }
}
