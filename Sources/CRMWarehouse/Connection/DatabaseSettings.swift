import Foundation
import HubCore
import NIOSSL
import PostgresNIO

/// Where the warehouse lives: a server named by a URL, or the embedded private cluster.
package struct DatabaseSettings: Sendable, CustomStringConvertible {
    package enum Target: Sendable {
        case tcp(host: String, port: Int, tls: TLSMode)
        case unixSocket(directory: String, port: Int)
    }

    package enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    package var target: Target
    package var username: String
    /// Never logged; `description` redacts it.
    package var password: String?
    package var database: String
    /// How long a connection attempt may take before it fails: libpq's `connect_timeout` (URL parameter, in
    /// seconds) or `PGCONNECT_TIMEOUT`; 10 s by default. A server that refuses or does not answer is reported
    /// within this time, never after minutes of silence.
    package var connectTimeout: Duration

    package static let defaultConnectTimeout = Duration.seconds(10)

    package init(target: Target, username: String, password: String?, database: String,
                connectTimeout: Duration = DatabaseSettings.defaultConnectTimeout) {
        self.target = target
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
    }

    /// Parses `postgres[ql]://user:password@host:port/database?sslmode=…` and the socket form
    /// `postgresql:///database?host=/path/to/socket/dir&user=name`.
    package init(url text: String) throws(HubError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw HubError(.configuration, "DATABASE_URL is not a postgres:// URL (expected postgres://user:password@host:5432/database)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.database = database.isEmpty ? (query["dbname"] ?? "postgres") : database
        self.username = components.user ?? query["user"] ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        self.password = components.password ?? query["password"]
        let port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let timeoutText = query["connect_timeout"] ?? ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"]
        if let timeoutText {
            guard let seconds = Int(timeoutText), seconds > 0 else {
                throw HubError(.configuration, "connect_timeout must be a whole number of seconds above 0, not '\(timeoutText)'")
            }
            self.connectTimeout = .seconds(seconds)
        } else {
            self.connectTimeout = Self.defaultConnectTimeout
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"]
        if let host, host.hasPrefix("/") {
            self.target = .unixSocket(directory: host, port: port)
        } else if let host {
            let mode = query["sslmode"] ?? "prefer"
            let tls: TLSMode
            switch mode {
            case "disable", "allow": tls = .disable
            case "prefer": tls = .prefer
            case "require", "verify-ca", "verify-full": tls = .require
            default: throw HubError(.configuration, "DATABASE_URL has an unknown sslmode '\(mode)' (use disable, prefer or require)")
            }
            self.target = .tcp(host: host, port: port, tls: tls)
        } else {
            self.target = .unixSocket(directory: "/var/run/postgresql", port: port)
        }
    }

    /// The same server, another database (used to create databases and by tests).
    package func with(database: String) -> DatabaseSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// A libpq-style URL (what `psql` takes), without the password.
    package var url: String {
        switch target {
        case .tcp(let host, let port, let tls):
            return "postgresql://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
        case .unixSocket(let directory, let port):
            return "postgresql:///\(database)?host=\(directory)&port=\(port)&user=\(username)"
        }
    }

    package var description: String { url }

    /// The URL with the password, for handing to a child process's `DATABASE_URL`; never for logs.
    package var urlWithCredentials: String {
        guard let password, case .tcp(let host, let port, let tls) = target else { return url }
        let allowed = CharacterSet.urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))
        let user = username.addingPercentEncoding(withAllowedCharacters: allowed) ?? username
        let secret = password.addingPercentEncoding(withAllowedCharacters: allowed) ?? password
        return "postgresql://\(user):\(secret)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    func connectionConfiguration() -> PostgresConnection.Configuration {
        switch target {
        case .tcp(let host, let port, let tlsMode):
            let tls: PostgresConnection.Configuration.TLS
            switch tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try! NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try! NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
            return configuration
        case .unixSocket(let directory, let port):
            var configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username, password: password,
                database: database)
            configuration.options.connectTimeout = .seconds(connectTimeout.components.seconds)
            return configuration
        }
    }

    /// The error for a server that could not be reached: where CRMHub looked, why it failed, what to check.
    func unreachable(_ error: any Error) -> HubError {
        let reason = Warehouse.describe(error)
        // The server answered, and said what is wrong: name that fix, not "is it running?". Neither goes away
        // by retrying.
        switch Warehouse.sqlState(of: error) {
        case "3D000":
            return HubError(.database, "the PostgreSQL server at \(url) has no database \"\(database)\": create it "
                                + "(createdb \(database), as a user allowed to) or name another database in DATABASE_URL")
        case "28P01", "28000":
            return HubError(.database, "PostgreSQL at \(url) refused user \"\(username)\": \(reason); check the user and "
                                + "password in DATABASE_URL (or the secret it names) and the server's pg_hba.conf")
        default:
            break
        }
        let check: String
        switch target {
        case .tcp(let host, let port, _):
            check = "check that PostgreSQL is running on \(host) and accepts connections on port \(port) "
                + "(listen_addresses, pg_hba.conf, a firewall), and that DATABASE_URL names the right server"
        case .unixSocket(let directory, let port):
            check = "check that PostgreSQL is running with its socket in \(directory) (port \(port)); for the "
                + "embedded warehouse, `crmhub db start` starts it"
        }
        // No `cause`: `reason` already says what it holds, and PSQLError's own description is a placeholder.
        return HubError(.database, "cannot reach PostgreSQL at \(url): \(reason); \(check)", isRetryable: true)
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch target {
        case .tcp(let host, let port, let tlsMode):
            let tls: PostgresClient.Configuration.TLS
            switch tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(TLSConfiguration.makeClientConfiguration())
            case .require: tls = .require(TLSConfiguration.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: username, password: password,
                                  database: database, tls: tls)
        case .unixSocket(let directory, let port):
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: username,
                                  password: password, database: database)
        }
        configuration.options.connectTimeout = connectTimeout
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 4
        return configuration
    }
}
