import HubCore

/// One element of a record read by `XMLStreamReader`: its local name, attributes, text and children.
///
/// Only records (a 1C object, a CommerceML document) are built as trees, one at a time, so memory stays at
/// one record whatever the file's size. Names are local names: namespaces are ignored, as 1C's own readers
/// and the format guides recommend (the same CommerceML arrives with three different namespaces or none).
/// Mixed content is not kept: an element with children keeps no text of its own.
public struct XMLElementNode: Sendable, Equatable {
    public var name: String
    public var attributes: [XMLAttribute]
    /// The character data directly inside a leaf element, as written (not trimmed).
    public var text: String
    public var children: [XMLElementNode]
    /// Line of the start tag in the source file.
    public var line: Int

    public init(name: String, attributes: [XMLAttribute] = [], text: String = "", children: [XMLElementNode] = [],
                line: Int = 0) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
        self.line = line
    }

    /// The first child with this local name.
    public subscript(_ name: String) -> XMLElementNode? {
        children.first { $0.name == name }
    }

    /// Follows child names from this element and returns the element reached, if every step exists.
    public func element(_ path: [String]) -> XMLElementNode? {
        var node = self
        for name in path {
            guard let next = node[name] else { return nil }
            node = next
        }
        return node
    }

    /// The trimmed text at a child path; nil when the element is absent or empty.
    public func value(_ path: String...) -> String? {
        element(path)?.trimmedText
    }

    /// The text without the surrounding white space; nil when nothing is left.
    public var trimmedText: String? {
        let trimmed = text.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    public func children(named name: String) -> [XMLElementNode] {
        children.filter { $0.name == name }
    }

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The first element below this one (depth first, this one excluded) with the given name.
    public func firstDescendant(named name: String) -> XMLElementNode? {
        for child in children {
            if child.name == name { return child }
            if let found = child.firstDescendant(named: name) { return found }
        }
        return nil
    }

    /// The element as a JSON value for `raw` tables: a leaf is its text; an element with children or attributes
    /// is an object whose keys keep the document's order, with `@name` for attributes and an array for a name
    /// that repeats (the lines of a document).
    public var json: String {
        var out = ""
        appendJSON(to: &out)
        return out
    }

    private func appendJSON(to out: inout String) {
        if children.isEmpty && attributes.isEmpty {
            JSONText.appendQuoted(text, to: &out)
            return
        }
        out += "{"
        var first = true
        for attribute in attributes {
            if !first { out += "," }
            first = false
            JSONText.appendQuoted("@" + attribute.name, to: &out)
            out += ":"
            JSONText.appendQuoted(attribute.value, to: &out)
        }
        if children.isEmpty && !text.isEmpty {
            if !first { out += "," }
            first = false
            out += "\"#text\":"
            JSONText.appendQuoted(text, to: &out)
        }
        var written = Set<String>()
        for (index, child) in children.enumerated() where !written.contains(child.name) {
            if !first { out += "," }
            first = false
            JSONText.appendQuoted(child.name, to: &out)
            out += ":"
            let repeats = children[(index + 1)...].contains { $0.name == child.name }
            if repeats {
                written.insert(child.name)
                out += "["
                var firstItem = true
                for sibling in children[index...] where sibling.name == child.name {
                    if !firstItem { out += "," }
                    firstItem = false
                    sibling.appendJSON(to: &out)
                }
                out += "]"
            } else {
                child.appendJSON(to: &out)
            }
        }
        out += "}"
    }
}

public struct XMLAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension String {
    /// Drops spaces, tabs and line ends at both ends (XML white space), without Foundation.
    func trimmingWhitespace() -> String {
        let utf8 = self.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}
