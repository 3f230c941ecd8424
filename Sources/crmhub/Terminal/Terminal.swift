import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writing for people: messages to stderr, results to stdout, and whether stderr is a terminal.
enum Terminal {
    static let isInteractive = isatty(STDERR_FILENO) == 1

    static func error(_ message: String) {
        write("crmhub: error: \(message)\n", to: .standardError)
    }

    static func warning(_ message: String) {
        write("crmhub: warning: \(message)\n", to: .standardError)
    }

    static func info(_ message: String) {
        write("crmhub: \(message)\n", to: .standardError)
    }

    static func print(_ line: String = "") {
        write(line + "\n", to: .standardOutput)
    }

    /// Writes, and ends the process quietly when the reader has gone (`crmhub runs | head`): Foundation's
    /// non-throwing `write` traps on a closed pipe.
    private static func write(_ text: String, to handle: FileHandle) {
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            exit(0)
        }
    }

    /// Overwrites the current terminal line (progress); a no-op when stderr is not a terminal.
    static func status(_ line: String) {
        guard isInteractive else { return }
        write("\r\u{1B}[K\(line)", to: .standardError)
    }

    static func clearStatus() {
        guard isInteractive else { return }
        write("\r\u{1B}[K", to: .standardError)
    }

    /// `1234567` → `1 234 567`: thin groups read well in both Russian and English.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += " " }
            out.append(char)
        }
        return value < 0 ? "-" + out : out
    }

    /// A decimal string with digit groups: `158237500.00` → `158 237 500.00`.
    static func money(_ text: String) -> String {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let whole = Int(parts[0]) else { return text }
        return grouped(whole) + (parts.count > 1 ? "." + parts[1] : "")
    }
}

/// Joins the hard-wrapped lines of help text into paragraphs so ArgumentParser can wrap them to the terminal.
func reflow(_ text: String) -> String {
    text.components(separatedBy: "\n\n").map { paragraph in
        paragraph.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }.joined(separator: "\n\n")
}
