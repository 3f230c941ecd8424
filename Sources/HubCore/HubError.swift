/// Where in a source something happened: the file (or other source unit), a line, and a field.
///
/// Rendered compiler-style (`statements/kl_to_1c.txt:214: …`) so that people and editors can jump to it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var field: String?

    public init(source: String, line: Int? = nil, field: String? = nil) {
        self.source = source
        self.line = line
        self.field = field
    }

    public var description: String {
        var text = source
        if let line { text += ":\(line)" }
        return text
    }
}

/// The one error type CRMHub reports to people: a code, a message, where it happened and why.
///
/// `isRetryable` is read by the scheduler: only errors that may go away by themselves (a server that is
/// still starting, a lock timeout) are marked retryable; bad input never is.
public struct HubError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The input is not in the format it claims to be (wrong marker, truncated, undecodable).
        case malformedInput = "malformed_input"
        /// A setting, option or environment value is wrong; the user must change something.
        case configuration = "configuration"
        /// PostgreSQL (or its binaries) could not be found, started or reached.
        case database = "database"
        /// A migration file that was already applied has been edited since.
        case migrationChecksumMismatch = "migration_checksum_mismatch"
        /// Reading or writing a file failed.
        case io = "io"
        /// A remote system (an HTTP API) could not be reached, refused the request or answered with an error.
        case remote = "remote"
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation?
    public var cause: (any Error)?
    public var isRetryable: Bool

    public init(
        _ code: Code, _ message: String, location: SourceLocation? = nil, cause: (any Error)? = nil,
        isRetryable: Bool = false
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
        self.isRetryable = isRetryable
    }

    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += message
        if let field = location?.field, !message.contains(field) { text += " (field \(field))" }
        if let cause { text += ": \(String(describing: cause))" }
        return text
    }
}
