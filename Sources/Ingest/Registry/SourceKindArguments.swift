import Foundation
import HubCore

/// A source kind's command line: `crmhub import <kind> [--option value]… path…`, read against the kind's
/// declared options (the same ones a job step's keys are checked against), and its `--help` text.
package enum SourceKindArguments {
    /// The options and paths in `arguments` (what follows the kind's name, global options already taken out).
    ///
    /// - Throws: a configuration error for an option the kind does not have (with the closest one it has), an
    ///   option without its value, or a value the option does not take.
    package static func parse(_ arguments: [String], kind: any SourceKind) throws(HubError)
        -> (options: SourceOptionValues, paths: [String])
    {
        var values: [String: String] = [:]
        var paths: [String] = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard !optionsEnded, argument.hasPrefix("--") else {
                paths.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            let (flag, inlineValue) = split(argument)
            guard let option = kind.options.first(where: { $0.flag == flag }) else {
                let flags = kind.options.map(\.flag)
                let hint = flags.isEmpty ? "; \(kind.id) takes no options" : Suggestion.didYouMean(flag, in: flags)
                throw HubError(.configuration, "unknown option '\(flag)' for \(kind.id)\(hint)")
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if index < arguments.count {
                value = arguments[index]
                index += 1
            } else {
                throw HubError(.configuration, "\(flag) needs a value (\(option.valueName))")
            }
            if let problem = option.problem(with: value) { throw HubError(.configuration, problem) }
            values[option.key] = value
        }
        return (SourceOptionValues(values), paths)
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    /// The help text when `arguments` (the program's, without its name) are `import <kind> … --help|-h`.
    package static func helpRequested(_ arguments: [String]) -> String? {
        guard arguments.count >= 3, arguments[0] == "import", let kind = SourceKinds.named(arguments[1]) else {
            return nil
        }
        let options = arguments[2...].prefix { $0 != "--" }
        return options.contains("--help") || options.contains("-h") ? help(for: kind) : nil
    }

    /// `crmhub import <kind> --help`: what it reads, its options, an example — all from the kind's declaration.
    package static func help(for kind: any SourceKind) -> String {
        let paragraphs = kind.help.components(separatedBy: "\n\n").map { wrapped($0, width: 100) }
        var lines = ["OVERVIEW: \(kind.summary)", ""] + paragraphs.joined(separator: [""]) + ["",
                     "USAGE: crmhub import \(kind.id) [--database-url <url>] [--log-level <level>]"
                         + kind.options.map { " [\($0.flag) <\($0.valueName)>]" }.joined() + " <path> ...", "",
                     "ARGUMENTS:", "  <path>    \(kind.units.what.prefix(1).uppercased() + kind.units.what.dropFirst()), "
                         + "in the order given (a glob in quotes is expanded in name order).", "",
                     "OPTIONS:"]
        for option in kind.options {
            lines.append("  \(option.flag) <\(option.valueName)>")
            lines += wrapped(option.help, width: 92).map { "        " + $0 }
        }
        lines += ["  --database-url <url>", "        The warehouse (default: $DATABASE_URL, else the embedded one).",
                  "  --log-level <level>", "        trace, debug, info, notice, warning, error or critical.",
                  "  -h, --help", "        Show help information.", "",
                  "The same options are the keys of a job's import step (docs/jobs.md): "
                      + (kind.options.isEmpty ? "kind and path only."
                         : kind.options.map { "`\($0.key)`" }.joined(separator: ", ") + "."),
                  "", "Example: \(kind.example)"]
        return lines.joined(separator: "\n")
    }

    /// Words filled into lines of at most `width` characters (a word longer than that stands alone).
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
