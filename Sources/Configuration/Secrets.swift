import Foundation
import Yams

/// Secrets in job and mapping files are references, never values: `${env:NAME}` (an environment variable)
/// or `${file:/path}` (a secrets file readable by the service only). A file holding a literal password, token
/// or a URL with credentials does not validate: job files live in git, and their contents end up in logs.
package enum Secrets {
    /// Keys whose values are secrets wherever they appear.
    package static let secretKeys = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key",
                             "client_secret", "access_key", "dsn", "database_url"]

    /// `${env:NAME}` or `${file:/path}`.
    package static func isReference(_ text: String) -> Bool {
        text.range(of: #"^\$\{(env:[A-Za-z_][A-Za-z0-9_]*|file:[^}]+)\}$"#, options: .regularExpression) != nil
    }

    package static func check(_ node: Node, reader: inout ConfigReader, key: String? = nil) {
        switch node {
        case .mapping(let mapping):
            for (keyNode, value) in mapping { check(value, reader: &reader, key: keyNode.string) }
        case .sequence(let sequence):
            for item in sequence { check(item, reader: &reader, key: key) }
        case .scalar(let scalar):
            let text = scalar.string
            guard !isReference(text) else { return }
            if let key, secretKeys.contains(key.lowercased()), !text.isEmpty {
                reader.error(at: node, "'\(key)' holds a literal secret; write a reference instead: "
                                 + "${env:NAME} or ${file:/path/to/secret}")
            } else if text.range(of: #"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@"#, options: .regularExpression)
                        != nil {
                reader.error(at: node, "a URL with a password in it; keep the password out of the file with "
                                 + "${env:NAME} or ${file:/path/to/secret}")
            }
        case .alias:
            break
        }
    }
}
