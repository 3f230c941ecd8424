import PostgresNIO

/// Splits a SQL script into single statements.
///
/// Hand-written because postgres-nio speaks only the extended query protocol, which takes one statement per
/// query, and no package here splits PostgreSQL scripts. It understands what can hide a `;`: single-quoted
/// strings (with `''`), double-quoted identifiers, `--` and nested `/* */` comments, and dollar quoting
/// (`$$ … $$`, `$tag$ … $tag$`), so function bodies survive intact.
package enum SQLScript {
    package static func statements(in script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        func flush() {
            let text = String(current).trimmingWhitespace()
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        while index < chars.count {
            let char = chars[index]
            let next: Unicode.Scalar? = index + 1 < chars.count ? chars[index + 1] : nil
            switch char {
            case "'", "\"":
                let quote = char
                current.append(char)
                index += 1
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == quote {
                        if index + 1 < chars.count, chars[index + 1] == quote {
                            current.append(chars[index + 1])
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
            case "-" where next == "-":
                while index < chars.count, chars[index] != "\n" {
                    current.append(chars[index])
                    index += 1
                }
            case "/" where next == "*":
                var depth = 0
                repeat {
                    if chars[index] == "/", index + 1 < chars.count, chars[index + 1] == "*" {
                        depth += 1
                        current.append(contentsOf: [chars[index], chars[index + 1]])
                        index += 2
                    } else if chars[index] == "*", index + 1 < chars.count, chars[index + 1] == "/" {
                        depth -= 1
                        current.append(contentsOf: [chars[index], chars[index + 1]])
                        index += 2
                    } else {
                        current.append(chars[index])
                        index += 1
                    }
                } while depth > 0 && index < chars.count
            case "$":
                // A dollar-quote tag is $$ or $identifier$; `$1` (a parameter) is not one.
                var end = index + 1
                while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic
                    || (end > index + 1 && ("0"..."9").contains(chars[end])) { end += 1 }
                if end < chars.count, chars[end] == "$" {
                    let tag = Array(chars[index...end])
                    current.append(contentsOf: tag)
                    index = end + 1
                    while index < chars.count {
                        if chars[index] == "$", index + tag.count <= chars.count,
                           Array(chars[index..<(index + tag.count)]) == tag {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        current.append(chars[index])
                        index += 1
                    }
                } else {
                    current.append(char)
                    index += 1
                }
            case ";":
                flush()
                index += 1
            default:
                current.append(char)
                index += 1
            }
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingWhitespace().hasPrefix("--") || $0.trimmingWhitespace().isEmpty }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let text = String(self)
        guard let first = text.unicodeScalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = text.unicodeScalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}

extension Warehouse {
    /// Runs every statement of `script` in one transaction: all of it, or none.
    package func execute(script: String) async throws {
        let logger = self.logger
        try await client.withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in
                for statement in SQLScript.statements(in: script) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
    }
}
