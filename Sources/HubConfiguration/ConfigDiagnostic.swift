import HubCore
/// One finding about a job or mapping file, printed compiler-style: `jobs/nightly.yaml:12:7: error: …`.
package struct ConfigDiagnostic: Sendable, Equatable, Comparable, CustomStringConvertible {
    package enum Severity: String, Sendable, Comparable {
        case error, warning

        package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .error && rhs == .warning }
    }

    package var file: String
    package var line: Int
    package var column: Int
    package var severity: Severity
    package var message: String

    package init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    package var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }

    package static func < (lhs: ConfigDiagnostic, rhs: ConfigDiagnostic) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

