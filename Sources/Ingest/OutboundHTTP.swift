import AsyncHTTPClient

/// The one HTTP client for the systems CRMHub calls (ZUP's OData now; the PBX and Exchange next).
///
/// Unlike `HTTPClient.shared`, a refused connection fails the request at once instead of being retried until
/// its deadline: an unattended job has its own retry policy (job files' `retry`, for errors marked retryable),
/// and a person at the terminal should not wait a minute to learn that the server is down.
package enum OutboundHTTP {
    package static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        // Lives for the process; never shut down, so never deinitialised while requests may run.
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
