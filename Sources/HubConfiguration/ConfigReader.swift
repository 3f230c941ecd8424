import HubCore
import Foundation
import Yams

/// Reads one YAML file node by node, collecting every problem with its line and column instead of stopping
/// at the first (a user fixing a job file wants all of them at once, as from a compiler).
///
/// Hand-walked rather than `Codable`: Yams' decoder neither reports unknown keys nor says where a value
/// stands, and both are what make a diagnostic useful.
package struct ConfigReader {
    package let file: String
    package private(set) var diagnostics: [ConfigDiagnostic] = []

    package init(file: String) {
        self.file = file
    }

    /// The document's root node; nil (with a diagnostic) when the text is not YAML, breaks a `YAMLLimits`
    /// limit (an alias bomb) or gives a key twice. Every YAML file CRMHub reads comes through here.
    package mutating func root(of text: String) -> Node? {
        // Before composing: what comes after (the secrets check, key lookups) walks aliases as often as they
        // are used, and a bomb must be refused before that.
        let findings = YAMLLimits.check(text)
        guard findings.isEmpty else {
            for finding in findings {
                diagnostics.append(ConfigDiagnostic(file: file, line: finding.line, column: finding.column,
                                                    message: finding.message))
            }
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error(at: nil, "the file is empty")
                return nil
            }
            return node
        } catch let yamlError as YamlError {
            switch yamlError {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                diagnostics.append(ConfigDiagnostic(file: file, line: mark.line, column: mark.column,
                                                    message: "not valid YAML: \(problem)"))
            case .duplicatedKeysInMapping(let duplicates, let context):
                // Keys YAMLLimits does not compare (not plain text); Yams knows only the first one's place.
                diagnostics.append(ConfigDiagnostic(file: file, line: context.mark.line, column: context.mark.column,
                                                    message: "a key is given twice in one mapping: "
                                                        + duplicates.joined(separator: ", ")))
            default:
                error(at: nil, "not valid YAML: \(yamlError)")
            }
            return nil
        } catch {
            self.error(at: nil, "not valid YAML: \(error)")
            return nil
        }
    }

    package mutating func appendDiagnostic(_ diagnostic: ConfigDiagnostic) {
        diagnostics.append(diagnostic)
    }

    package mutating func error(at node: Node?, _ message: String) {
        report(.error, at: node, message)
    }

    package mutating func warning(at node: Node?, _ message: String) {
        report(.warning, at: node, message)
    }

    private mutating func report(_ severity: ConfigDiagnostic.Severity, at node: Node?, _ message: String) {
        let mark = node?.mark
        diagnostics.append(ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                            severity: severity, message: message))
    }

    /// A mapping's entries by key, reporting keys outside `known` (with a suggestion) and keys given twice.
    /// `where` names the mapping in messages (`schedule`, `step 2 (import)`).
    package mutating func mapping(_ node: Node, known: [String], in place: String) -> [String: (key: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            error(at: node, "\(place) must be a mapping of keys to values")
            return nil
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                error(at: key, "keys in \(place) must be plain words")
                continue
            }
            if entries[name] != nil {
                error(at: key, "'\(name)' is given twice in \(place)")
                continue
            }
            if !known.contains(name) {
                error(at: key, "unknown key '\(name)' in \(place)\(Suggestion.didYouMean(name, in: known))")
                continue
            }
            entries[name] = (key, value)
        }
        return entries
    }

    package mutating func required(_ name: String, in entries: [String: (key: Node, value: Node)], parent: Node,
                           place: String) -> Node? {
        guard let entry = entries[name] else {
            error(at: parent, "\(place) needs '\(name)'")
            return nil
        }
        return entry.value
    }

    package mutating func string(_ node: Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error(at: node, "\(what) must be a text value")
            return nil
        }
        return scalar.string
    }

    package mutating func integer(_ node: Node?, _ what: String, atLeast minimum: Int) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Int(text) else {
            error(at: node, "\(what) must be a whole number")
            return nil
        }
        guard value >= minimum else {
            error(at: node, "\(what) must be at least \(minimum)")
            return nil
        }
        return value
    }

    /// `true` or `false` (YAML's yes/no/on/off too, as people write them).
    package mutating func boolean(_ node: Node?, _ what: String) -> Bool? {
        guard let node else { return nil }
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(at: node, "\(what) must be true or false")
            return nil
        }
    }

    package mutating func fraction(_ node: Node?, _ what: String) -> Double? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Double(text), (0...1).contains(value) else {
            error(at: node, "\(what) must be a number from 0 to 1")
            return nil
        }
        return value
    }

    /// One of `allowed`, with a suggestion when it is not.
    package mutating func choice(_ node: Node?, _ what: String, allowed: [String]) -> String? {
        guard let text = string(node, what) else { return nil }
        guard allowed.contains(text) else {
            error(at: node, "\(what) must be one of \(allowed.joined(separator: ", ")), not '\(text)'"
                                + Suggestion.didYouMean(text, in: allowed))
            return nil
        }
        return text
    }

    /// A duration written as a number and a unit: `90s`, `15m`, `2h`, `1d`.
    package mutating func duration(_ node: Node?, _ what: String) -> Duration? {
        guard let text = string(node, what) else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last, let seconds = units[unit], let count = Int64(text.dropLast()), count > 0 else {
            error(at: node, "\(what) must be a duration such as 90s, 15m, 2h or 1d, not '\(text)'")
            return nil
        }
        return .seconds(count * seconds)
    }

    /// An IANA zone name (`Asia/Tashkent`, `UTC`): always explicit, never the server's. Abbreviations such as
    /// `MSK` are refused, as their meaning changed over the years.
    package mutating func timeZone(_ node: Node?, _ what: String) -> TimeZone? {
        guard let name = string(node, what) else { return nil }
        guard let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" else {
            error(at: node, "unknown time zone '\(name)'; use an IANA name such as Asia/Tashkent"
                      + Suggestion.didYouMean(name, in: TimeZone.knownTimeZoneIdentifiers))
            return nil
        }
        return zone
    }

    /// A list of text values (`[Вход, Entry]`); a single value counts as a list of one.
    package mutating func strings(_ node: Node?, _ what: String) -> [String]? {
        guard let node else { return nil }
        if node.scalar != nil { return string(node, what).map { [$0] } }
        guard let sequence = node.sequence else {
            error(at: node, "\(what) must be a list of text values")
            return nil
        }
        var values: [String] = []
        for item in sequence {
            guard let value = string(item, what) else { return nil }
            values.append(value)
        }
        return values
    }
}
