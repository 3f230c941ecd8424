import HubCore
/// One finding about a job or mapping file, printed compiler-style: `jobs/nightly.yaml:12:7: error: …`.
public struct ConfigDiagnostic: Sendable, Equatable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case error, warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    public var file: String
    public var line: Int
    public var column: Int
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }

    public static func < (lhs: ConfigDiagnostic, rhs: ConfigDiagnostic) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

