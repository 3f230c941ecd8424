import Foundation
import Yams

/// Secrets in job and mapping files are references, never values: `${env:NAME}` (an environment variable)
/// or `${file:/path}` (a secrets file readable by the service only). A file holding a literal password, token
/// or a URL with credentials does not validate: job files live in git, and their contents end up in logs.
package enum Secrets {
    /// Keys whose values are secrets wherever they appear.
    package static let secretKeys = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key",
                             "client_secret", "api_salt", "salt", "access_key", "dsn", "database_url"]

    /// `${env:NAME}` or `${file:/path}`.
    package static func isReference(_ text: String) -> Bool {
        text.range(of: #"^\$\{(env:[A-Za-z_][A-Za-z0-9_]*|file:[^}]+)\}$"#, options: .regularExpression) != nil
    }

    /// The value a reference stands for: the environment variable, or the secrets file's text without its
    /// final newline. The error names the reference, never a value.
    package static func resolve(_ reference: String) throws(SecretError) -> String {
        guard isReference(reference) else { throw SecretError(reference: "(a literal)", reason: "is not a reference") }
        let body = String(reference.dropFirst(2).dropLast())
        if body.hasPrefix("env:") {
            let name = String(body.dropFirst(4))
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw SecretError(reference: reference, reason: "the environment variable \(name) is not set")
            }
            return value
        }
        let path = String(body.dropFirst(5))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretError(reference: reference, reason: "the secrets file cannot be read")
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
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

/// A secret reference that cannot be resolved. Carries the reference (`${env:ZUP_PASSWORD}`), never a value.
package struct SecretError: Error, Sendable, CustomStringConvertible {
    package var reference: String
    package var reason: String
    package var description: String { "secret \(reference): \(reason)" }
}
