import Testing

@testable import CRMWarehouse

/// The batch state machine on its own: every store's load goes through these transitions (`BatchLoad`).
@Suite struct BatchLifecycleTests {
    private let counts = BatchCounts(batchID: 7, read: 10, loaded: 8, duplicate: 1, quarantined: 1)

    @Test func aNewUnitIsLoadedThroughEachStateInTurn() throws {
        var lifecycle = BatchLifecycle()
        #expect(lifecycle.recordedStatus == nil)
        try lifecycle.handle(.lockAcquired)
        #expect(lifecycle.state == .checking)
        try lifecycle.handle(.opened(batchID: 7))
        #expect(lifecycle.recordedStatus == "loading")
        try lifecycle.handle(.wrote(counts))
        #expect(lifecycle.state == .written(batchID: 7, counts: counts))
        #expect(!lifecycle.isFinal)
        try lifecycle.handle(.committed)
        #expect(lifecycle.state == .loaded(batchID: 7, counts: counts))
        #expect(lifecycle.recordedStatus == "loaded")
        #expect(lifecycle.isFinal)
    }

    @Test func contentLoadedBeforeEndsWithoutARowOfItsOwn() throws {
        var known = BatchLifecycle()
        try known.handle(.lockAcquired)
        try known.handle(.foundLoaded(batchID: 3))
        #expect(known.state == .alreadyLoaded(batchID: 3))
        #expect(known.recordedStatus == nil)

        // Hashed while reading: found only at the end, after the batch was opened; the load is rolled back.
        var hashedLate = BatchLifecycle()
        try hashedLate.handle(.lockAcquired)
        try hashedLate.handle(.opened(batchID: 9))
        try hashedLate.handle(.foundLoadedAfterReading(batchID: 3))
        #expect(hashedLate.state == .alreadyLoaded(batchID: 3))
        #expect(hashedLate.isFinal)
    }

    @Test func aRefusedUnitIsRecordedAsIgnored() throws {
        var lifecycle = BatchLifecycle()
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.refused(batchID: 4))
        #expect(lifecycle.recordedStatus == "ignored")
        #expect(lifecycle.isFinal)
    }

    @Test func aConflictIsRetriedTwiceThenFails() throws {
        var lifecycle = BatchLifecycle()
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.opened(batchID: 1))
        try lifecycle.handle(.failed(message: "deadlock detected", conflict: true))
        #expect(lifecycle.state == .retrying(attempt: 2))
        #expect(lifecycle.retryDelay == .milliseconds(200))
        #expect(lifecycle.recordedStatus == nil, "the rolled-back attempt leaves no row")
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.failed(message: "deadlock detected", conflict: true))
        #expect(lifecycle.state == .retrying(attempt: 3))
        #expect(lifecycle.retryDelay == .milliseconds(300))
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.opened(batchID: 2))
        try lifecycle.handle(.failed(message: "deadlock detected", conflict: true))
        #expect(lifecycle.state == .failed(message: "deadlock detected"))
        #expect(lifecycle.retryDelay == nil)
        #expect(lifecycle.recordedStatus == "failed")
    }

    @Test func anyOtherFailureIsFinalAtOnce() throws {
        var lifecycle = BatchLifecycle()
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.opened(batchID: 1))
        try lifecycle.handle(.wrote(BatchCounts(batchID: 1, read: 1, loaded: 1, duplicate: 0, quarantined: 0)))
        // The commit itself failed (the server went away): rolled back, to be recorded.
        try lifecycle.handle(.failed(message: "connection closed", conflict: false))
        #expect(lifecycle.state == .failed(message: "connection closed"))
        #expect(lifecycle.isFinal)
    }

    @Test(arguments: [
        (BatchLifecycle.Event.opened(batchID: 1), "opening a batch before the lock"),
        (.committed, "committing before anything was written"),
        (.wrote(BatchCounts(batchID: 1, read: 0, loaded: 0, duplicate: 0, quarantined: 0)), "writing before opening"),
    ])
    func stepsOutOfOrderAreRefused(event: BatchLifecycle.Event, what: String) {
        var lifecycle = BatchLifecycle()
        #expect(throws: BatchLifecycle.InvalidTransition.self, "\(what)") { try lifecycle.handle(event) }
        #expect(lifecycle.state == .waitingForLock(attempt: 1), "a refused event changes nothing")
    }

    @Test func countsMustBeTheOpenBatchs() throws {
        var lifecycle = BatchLifecycle()
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.opened(batchID: 5))
        #expect(throws: BatchLifecycle.InvalidTransition.self) { try lifecycle.handle(.wrote(counts)) }
    }

    @Test func aFinishedBatchTakesNoMoreEvents() throws {
        var lifecycle = BatchLifecycle()
        try lifecycle.handle(.lockAcquired)
        try lifecycle.handle(.foundLoaded(batchID: 3))
        for event: BatchLifecycle.Event in [.lockAcquired, .committed, .failed(message: "x", conflict: true)] {
            #expect(throws: BatchLifecycle.InvalidTransition.self) { try lifecycle.handle(event) }
        }
    }
}
