import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP server on 127.0.0.1 (an ephemeral port), for the protocol tests and the demo's stand-ins: the
/// caller gives the handler, the server answers over the loopback until the body returns. Requests are recorded
/// for the tests to inspect.
package final class LocalHTTPServer: Sendable {
    package struct Received: Sendable {
        package var method: String
        /// Percent-decoded.
        package var path: String
        package var query: [String: String]
        package var authorization: String?
        /// The request's body as text (POST).
        package var body = ""
    }

    package struct Answer: Sendable {
        package var status: HTTPResponse.Status = .ok
        package var contentType = "application/json; charset=utf-8"
        package var body: String

        package init(status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8",
                     body: String) {
            (self.status, self.contentType, self.body) = (status, contentType, body)
        }
    }

    private let received = Mutex<[Received]>([])
    package var requests: [Received] { received.withLock { $0 } }

    /// Serves `handler` while `body` runs, with the server's root (`http://127.0.0.1:PORT`).
    package static func serving<T: Sendable>(
        _ handler: @escaping @Sendable (Received) async -> Answer,
        _ body: (_ root: String, _ server: LocalHTTPServer) async throws -> T
    ) async throws -> T {
        let server = LocalHTTPServer()
        let router = Router()
        router.get("**") { request, _ -> Response in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let received = Received(method: "GET", path: request.uri.path.removingPercentEncoding ?? request.uri.path,
                                    query: query, authorization: request.headers[.authorization])
            server.received.withLock { $0.append(received) }
            let answer = await handler(received)
            return Response(status: answer.status, headers: [.contentType: answer.contentType],
                            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let received = Received(method: "POST", path: request.uri.path.removingPercentEncoding ?? request.uri.path,
                                    query: [:], authorization: request.headers[.authorization],
                                    body: String(buffer: body))
            server.received.withLock { $0.append(received) }
            let answer = await handler(received)
            return Response(status: answer.status, headers: [.contentType: answer.contentType],
                            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        // Quiet: a stand-in's start and its cancellation at the end are not news in a demo or a test's output.
        var logger = Logger(label: "crmhub.local-server")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portContinuation.yield(channel.localAddress?.port ?? 0)
                                  portContinuation.finish()
                              }, logger: logger)
        let running = Task { try await app.run() }
        defer { running.cancel() }
        var port = 0
        for await bound in ports { port = bound }
        guard port > 0 else { throw LocalServerError(message: "the test server did not start") }
        return try await body("http://127.0.0.1:\(port)", server)
    }
}

package struct LocalServerError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
