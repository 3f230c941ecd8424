import HubCore
import NIOCore

/// Back-pressure for COPY that cannot lose a wake-up: CRMHub's own, in place of postgres-nio's.
///
/// Why not postgres-nio's own: its `PostgresCopyFromWriter.write` parks the writing task on a promise while the
/// channel is not writable (`ExtendedQueryStateMachine.copyingData(.pendingBackpressureRelieve)`). When the
/// server sends an `ErrorResponse` in that state — a unique violation raised by a concurrent load, a server
/// shutdown (`57P01`) — the state machine moves to `.error` and drops that promise without completing it; when
/// the connection then closes, nothing completes it either. The task waits for ever, the server waits in
/// `ClientRead` for a `Sync` that never comes (postgres-nio 1.33.2; the cause of issue 13's hangs).
///
/// So the channels that carry loads are opened with write-buffer water marks postgres-nio never reaches (its
/// check of `channel.isWritable` always passes, and its pending state is never entered), and this handler,
/// first in the pipeline next to the socket, does the flow control instead: it counts the bytes handed to the
/// socket and not yet written, and `waitForCapacity` suspends a writer while more than `highWater` bytes are
/// in flight, until they drain below `lowWater` — or the connection closes, which fails every waiter at once.
/// A server error during COPY then surfaces at the next `write` (the state machine reports its stored error
/// there) or at `CopyDone`, and the connection is put out of copy mode with a `Sync` as usual.
final class CopyFlowControlHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    // Next to the socket every write is bytes: postgres-nio's messages, or NIOSSL's records over TLS.
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Suspends writers above this many bytes in flight: memory for a load stays bounded by it plus one write.
    static let highWater = 4 << 20
    static let lowWater = 1 << 20

    private var inFlight = 0
    private var waiters: [EventLoopPromise<Void>] = []
    private var closed: HubError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        guard bytes > 0 else {
            context.write(data, promise: promise)
            return
        }
        inFlight += bytes
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        // The write completes on this handler's event loop: the loop-bound reference says so to the compiler.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            handler.value.inFlight -= bytes
            if handler.value.inFlight <= Self.lowWater { handler.value.resumeWaiters() }
        }
        context.write(data, promise: written)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Waiters resume on a later turn of the event loop: by then postgres-nio's handler has seen the close
        // too (and has been removed), so a writer that goes on finds a closed connection, not a half-closed one.
        fail(HubError(.database, "the connection to PostgreSQL was lost in the middle of the load (the server "
                      + "closed it: stopped, restarted, or the session was ended)", isRetryable: true), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(HubError(.database, "the connection to PostgreSQL was lost in the middle of the load ("
                      + Warehouse.describe(error) + "; the server was stopped or restarted, or the network failed)",
                      isRetryable: true), context: context)
        context.fireErrorCaught(error)
    }

    /// Completes at once while the writes in flight are under the high-water mark; otherwise when they drain,
    /// or fails when the connection is gone. Must be called on the channel's event loop.
    func waitForCapacity(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        if let closed { return eventLoop.makeFailedFuture(closed) }
        if inFlight <= Self.highWater { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        waiters.append(promise)
        return promise.futureResult
    }

    /// Fails when the connection has closed. Must be called on the channel's event loop.
    func checkOpen(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        if let closed { return eventLoop.makeFailedFuture(closed) }
        return eventLoop.makeSucceededVoidFuture()
    }

    private func fail(_ error: HubError, context: ChannelHandlerContext) {
        if closed == nil { closed = error }
        let pending = waiters
        waiters.removeAll()
        context.eventLoop.execute {
            for waiter in pending { waiter.fail(error) }
        }
    }

    private func resumeWaiters() {
        let pending = waiters
        waiters.removeAll()
        for waiter in pending { waiter.succeed() }
    }
}

/// The sendable side of `CopyFlowControlHandler`, for the task that writes COPY data.
struct CopyFlowControl: Sendable {
    private let handler: NIOLoopBound<CopyFlowControlHandler>
    private let eventLoop: any EventLoop

    init(handler: CopyFlowControlHandler, eventLoop: any EventLoop) {
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
        self.eventLoop = eventLoop
    }

    /// Throws (retryable) when the connection has closed. A query sent on a closed connection is never answered:
    /// postgres-nio writes it to the channel with no promise, the closed channel drops it, and the query's own
    /// promise is never completed (1.33.2). Every query of a load asks this first.
    func checkOpen() async throws {
        let handler = self.handler
        let eventLoop = self.eventLoop
        try await eventLoop.flatSubmit { handler.value.checkOpen(on: eventLoop) }.get()
    }

    /// Returns when the connection can take more COPY data; throws (retryable) when it has closed.
    func waitForCapacity() async throws {
        let handler = self.handler
        let eventLoop = self.eventLoop
        try await eventLoop.flatSubmit { handler.value.waitForCapacity(on: eventLoop) }.get()
    }
}
