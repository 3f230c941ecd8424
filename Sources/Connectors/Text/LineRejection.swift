import HubCore

/// A line of a delimited file that could not be read as a record: its number, why, which field, and the line.
public struct LineRejection: Sendable, Equatable, Error {
    public var line: Int
    public var reason: String
    public var field: String?
    public var raw: String

    public init(line: Int, reason: String, field: String? = nil, raw: String) {
        self.line = line
        self.reason = reason
        self.field = field
        self.raw = raw
    }
}
