import CYaml
import Foundation

/// What a YAML document CRMHub reads (job files, mappings, reconciliation rules) may ask of the reader, checked
/// on libyaml's event stream before anything builds a tree or expands an alias.
///
/// Why before: Yams' composer shares an aliased node rather than copying it, but everything that walks the tree
/// afterwards (the secrets check, key lookups, hashing a mapping's keys) visits each alias's target again, so a
/// "billion laughs" document (nine levels of nine aliases) costs 9⁹ visits and never finishes. The event stream
/// is linear in the text: each alias is one event, whatever it stands for. The same pass finds keys given
/// twice, at the duplicate's own position (Yams reports only the first key's, or none).
package enum YAMLLimits {
    /// At most this many aliases (`*name`) in one file. Hand-written job and mapping files use a handful (a
    /// shared retry block, say); a hundred is far beyond that and still small enough to read through.
    package static let maximumAliases = 100
    /// At most this many levels of nested mappings and sequences, counting what aliases stand for. Our files
    /// nest four or five levels; the tree is walked recursively, so the bound also keeps the stack small.
    package static let maximumDepth = 64
    /// At most this many nodes brought in by aliases altogether (an alias of a 10-node block counts 10). The
    /// two limits above do not bound this on their own: 50 levels of `[*prev, *prev]` are 100 aliases, 50
    /// levels deep, and stand for 2⁵⁰ nodes. 10,000 is a hundred aliases of a hundred-node block each.
    package static let maximumAliasedNodes = 10_000

    /// One problem found: where (1-based line and column) and what.
    package struct Finding: Equatable {
        package var line: Int
        package var column: Int
        package var message: String
    }

    /// The limit violations and duplicate keys of `text`. A limit stops the scan at the offending node (the rest
    /// is not read); duplicate keys are all collected. A syntax error ends the scan quietly: the composer
    /// reports it with its own position.
    package static func check(_ text: String) -> [Finding] {
        var scan = Scan()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let done = event.type == YAML_STREAM_END_EVENT
                let stop = scan.take(event)
                yaml_event_delete(&event)
                if done || stop { break }
            }
        }
        return scan.findings
    }

    /// The state of one pass over the events: the open collections and what each anchor stands for.
    private struct Scan {
        struct Collection {
            var isMapping: Bool
            /// Nodes directly inside so far: in a mapping, keys sit at even positions.
            var children = 0
            /// Nodes in this subtree with aliases expanded, and its height (a flat sequence has 1).
            var size = 1
            var height = 1
            var anchor: String?
            /// A mapping's plain-text keys and where each first stands.
            var keys: [String: (line: Int, column: Int)] = [:]
        }

        var stack: [Collection] = []
        var anchors: [String: (size: Int, height: Int)] = [:]
        var aliases = 0
        var aliasedNodes = 0
        var findings: [Finding] = []

        /// Takes one event; true when a limit was hit and the scan should stop.
        mutating func take(_ event: yaml_event_t) -> Bool {
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length),
                                                      as: UTF8.self) } ?? ""
                noteKey(value, line: line, column: column)
                add(size: 1, height: 0)
                if let anchor = name(scalar.anchor) { anchors[anchor] = (1, 0) }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                guard stack.count < maximumDepth else {
                    return refuse(line, column, "more than \(maximumDepth) levels of nesting; CRMHub refuses documents "
                                  + "nested this deep")
                }
                noteKey(nil, line: line, column: column)
                let anchor = name(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                stack.append(Collection(isMapping: isMapping, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = stack.popLast() else { break }
                add(size: closed.size, height: closed.height)
                if let anchor = closed.anchor { anchors[anchor] = (closed.size, closed.height) }
            case YAML_ALIAS_EVENT:
                let alias = name(event.data.alias.anchor) ?? ""
                noteKey(nil, line: line, column: column)
                aliases += 1
                guard aliases <= maximumAliases else {
                    return refuse(line, column, "alias *\(alias) is one of more than \(maximumAliases) aliases in this "
                                  + "file; CRMHub refuses that many (an alias bomb looks like this): write the values out")
                }
                // An undefined alias is the composer's error to report; count it as one node here.
                let target = anchors[alias] ?? (1, 0)
                aliasedNodes += target.size
                guard aliasedNodes <= maximumAliasedNodes else {
                    return refuse(line, column, "alias *\(alias) makes the aliases of this file stand for more than "
                                  + "\(maximumAliasedNodes) values; CRMHub refuses such a document (an alias bomb "
                                  + "looks like this): write the values out")
                }
                guard stack.count + target.height <= maximumDepth else {
                    return refuse(line, column, "alias *\(alias) nests the document more than \(maximumDepth) levels "
                                  + "deep; CRMHub refuses documents nested this deep")
                }
                add(size: target.size, height: target.height)
            default:
                break
            }
            return false
        }

        /// Counts a node into the collection it sits in.
        private mutating func add(size: Int, height: Int) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].size += size
            stack[stack.count - 1].height = max(stack[stack.count - 1].height, height + 1)
        }

        /// Called before a node is counted in: when it is a key of the open mapping, checks it was not given
        /// before. `text` is nil for a key that is not a plain scalar (the composer compares those).
        private mutating func noteKey(_ text: String?, line: Int, column: Int) {
            guard let open = stack.last, open.isMapping else { return }
            stack[stack.count - 1].children += 1
            guard open.children % 2 == 0, let text else { return }
            if let first = open.keys[text] {
                findings.append(Finding(line: line, column: column,
                                        message: "'\(text)' is given twice in one mapping (first at line \(first.line))"))
            } else {
                stack[stack.count - 1].keys[text] = (line, column)
            }
        }

        private mutating func refuse(_ line: Int, _ column: Int, _ message: String) -> Bool {
            findings.append(Finding(line: line, column: column, message: message))
            return true
        }

        private func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
