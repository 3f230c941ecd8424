import HubCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
#if canImport(Glibc)
import Glibc
#endif

/// A connection of its own for one load (a file, a reconciliation run): what every COPY goes through.
///
/// Not taken from the pool: the channel is CRMHub's, opened here, so that it can carry `CopyFlowControl`
/// (see there for why postgres-nio's own back-pressure can hang a COPY for ever) and TCP keepalives that notice
/// a server gone silent. Every round trip is tied to the channel's fate: a closed or reset connection fails
/// the query or the COPY write that waits on it at once, with a retryable error.
struct LoadConnection: Sendable, StatementConnection {
    let underlying: PostgresConnection
    let flow: CopyFlowControl

    /// Connects within `settings.connectTimeout`, or throws a retryable `HubError` that names the server.
    static func open(settings: DatabaseSettings, logger: Logger) async throws -> LoadConnection {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let timeout = TimeAmount.nanoseconds(Int64(settings.connectTimeout.components.seconds) * 1_000_000_000
            + settings.connectTimeout.components.attoseconds / 1_000_000_000)
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            // Never reached, on purpose: postgres-nio's own back-pressure stays out of the way (CopyFlowControl).
            .channelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 1 << 46, high: 1 << 47))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CopyFlowControlHandler())
                }
            }
        let channel: any Channel
        do {
            switch settings.target {
            case .tcp(let host, let port, _):
                bootstrap = bootstrap.channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
                #if os(Linux)
                // A server that vanishes without a word (a cable, a firewall) is noticed within about a minute.
                let tcp = SocketOptionLevel(IPPROTO_TCP)
                bootstrap = bootstrap
                    .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: TCP_KEEPIDLE), value: 30)
                    .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: TCP_KEEPINTVL), value: 10)
                    .channelOption(ChannelOptions.Types.SocketOption(level: tcp, name: TCP_KEEPCNT), value: 3)
                #endif
                channel = try await bootstrap.connect(host: host, port: port).get()
            case .unixSocket(let directory, let port):
                channel = try await bootstrap.connect(unixDomainSocketPath: "\(directory)/.s.PGSQL.\(port)").get()
            }
        } catch {
            throw settings.unreachable(error)
        }
        do {
            let flow = try await channel.eventLoop.submit {
                CopyFlowControl(handler: try channel.pipeline.syncOperations.handler(type: CopyFlowControlHandler.self),
                                eventLoop: channel.eventLoop)
            }.get()
            let direct = settings.connectionConfiguration()
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: direct.tls, username: settings.username,
                password: settings.password, database: settings.database)
            configuration.options.connectTimeout = timeout
            let connection = try await PostgresConnection.connect(
                on: eventLoop, configuration: configuration, id: 1, logger: logger)
            return LoadConnection(underlying: connection, flow: flow)
        } catch {
            try? await channel.close()
            throw settings.unreachable(error)
        }
    }

    func close() async {
        try? await underlying.close()
    }

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws
        -> PostgresRowSequence
    {
        try await flow.checkOpen()
        return try await underlying.query(query, logger: logger, file: file, line: line)
    }

    /// `COPY table (columns) FROM STDIN` in text format; `writeData` streams the rows through a `LoadCopyWriter`.
    func copyFrom(
        table: String, columns: [String] = [], logger: Logger, writeData: (LoadCopyWriter) async throws -> Void
    ) async throws {
        let flow = self.flow
        try await flow.checkOpen()
        try await underlying.copyFrom(table: table, columns: columns, logger: logger) { writer in
            try await writeData(LoadCopyWriter(writer: writer, flow: flow))
        }
    }
}

extension LoadConnection {
    /// COPY into `schema.table` (names are the store's constants, never data). postgres-nio quotes the table name
    /// as one identifier, so the schema comes from the search path, set for the statement and reset after it.
    func copyFrom(
        schema: String, table: String, columns: [String], logger: Logger,
        writeData: (LoadCopyWriter) async throws -> Void
    ) async throws {
        try await query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema), pg_temp"), logger: logger)
        try await copyFrom(table: table, columns: columns, logger: logger, writeData: writeData)
        try await query("RESET search_path", logger: logger)
    }
}

/// Sends COPY data only when the connection can take it: see `CopyFlowControl`.
struct LoadCopyWriter: Sendable {
    let writer: PostgresCopyFromWriter
    let flow: CopyFlowControl

    /// Throws the server's error when it refused earlier data (a unique violation, say), or a retryable
    /// `HubError` when the connection is gone.
    func write(_ buffer: ByteBuffer) async throws {
        try await flow.waitForCapacity()
        try await writer.write(buffer)
    }
}

extension Warehouse {
    /// Runs `body` on a connection of its own (see `LoadConnection`), closed however `body` ends.
    func withLoadConnection<T>(_ body: (LoadConnection) async throws -> T) async throws -> T {
        let connection = try await LoadConnection.open(settings: settings, logger: logger)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}

