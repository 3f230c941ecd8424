import HubCore

/// One element of a record read by `XMLStreamReader`: its local name, attributes, text and children.
///
/// Only records (a 1C object, a CommerceML document) are built, one at a time, so memory stays at one record
/// whatever the file's size. A node is a position in its record's flat storage (`XMLRecordStorage`): moving
/// to a child copies two words, and text becomes a `String` only when asked for. Names are local names:
/// namespaces are ignored, as 1C's own readers and the format guides recommend (the same CommerceML arrives
/// with three different namespaces or none). Mixed content is not kept: an element with children keeps no
/// text of its own.
public struct XMLElementNode: Sendable, Equatable {
    let storage: XMLRecordStorage
    let index: Int32

    init(storage: XMLRecordStorage, index: Int32) {
        self.storage = storage
        self.index = index
    }

    /// Builds a small tree by hand (tests, and a message header gathered from separate records).
    public init(name: String, attributes: [XMLAttribute] = [], text: String = "", children: [XMLElementNode] = [],
                line: Int = 0) {
        var names = XMLNameTable()
        var builder = XMLRecordBuilder()
        func intern(_ name: String) -> Int32 {
            if let id = names.id(of: name) { return id }
            let (table, id) = names.adding(name)
            names = table
            return id
        }
        func copy(_ node: XMLElementNode) {
            builder.start(name: intern(node.name), line: node.line, attributes: node.attributes)
            if node.hasChildren {
                for child in node.children { copy(child) }
            } else {
                node.withTextBytes { builder.characters($0) }
            }
            _ = builder.end()
        }
        builder.start(name: intern(name), line: line, attributes: attributes)
        if children.isEmpty {
            var text = text
            text.withUTF8 { builder.characters($0) }
        }
        for child in children { copy(child) }
        _ = builder.end()
        storage = builder.take(names: names)
        index = 0
    }

    private var element: XMLRecordStorage.Element { storage.elements[Int(index)] }

    public var name: String { storage.names.strings[Int(element.name)] }

    /// Line of the start tag in the source file.
    public var line: Int { storage.firstLine + Int(element.lineOffset) }

    /// Set on a record whose value went past `InputLimits.maxValueBytes` (that value is only a preview here):
    /// such a record is quarantined with this reason, never loaded as if it were whole.
    public var valueProblem: XMLValueProblem? { storage.problem }

    public var attributes: [XMLAttribute] {
        let element = self.element
        guard element.attributeCount > 0 else { return [] }
        let start = Int(element.attributeStart)
        return Array(storage.attributes[start..<start + Int(element.attributeCount)])
    }

    /// The character data directly inside a leaf element, as written (not trimmed).
    public var text: String { withTextBytes { String(decoding: $0, as: UTF8.self) } }

    func withTextBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let element = self.element
        return try body(UnsafeBufferPointer(rebasing: storage.text[Int(element.textStart)..<Int(element.textEnd)]))
    }

    public var hasChildren: Bool { element.firstChild >= 0 }

    public var children: [XMLElementNode] {
        var children: [XMLElementNode] = []
        forEachChild { children.append($0) }
        return children
    }

    /// Visits the children in document order.
    private func forEachChild(_ body: (XMLElementNode) -> Void) {
        var child = element.firstChild
        while child >= 0 {
            body(XMLElementNode(storage: storage, index: child))
            child = storage.elements[Int(child)].nextSibling
        }
    }

    /// The first child with this local name.
    public subscript(_ name: String) -> XMLElementNode? {
        var name = name
        return name.withUTF8 { query in
            storage.child(of: index, named: query).map { XMLElementNode(storage: storage, index: $0) }
        }
    }

    /// Follows child names from this element and returns the element reached, if every step exists.
    public func element(_ path: [String]) -> XMLElementNode? {
        elementIndex(path).map { XMLElementNode(storage: storage, index: $0) }
    }

    // Walks indices, not nodes: a node per step would retain and release the storage each time.
    private func elementIndex(_ path: [String]) -> Int32? {
        var current = index
        for var name in path {
            guard let next = name.withUTF8({ storage.child(of: current, named: $0) }) else { return nil }
            current = next
        }
        return current
    }

    /// The trimmed text at a child path; nil when the element is absent or empty.
    public func value(_ path: String...) -> String? {
        elementIndex(path).flatMap(storage.trimmedText(of:))
    }

    /// The trimmed text at a child path given as an array (what `value` does for a variadic list).
    public func value(at path: [String]) -> String? {
        elementIndex(path).flatMap(storage.trimmedText(of:))
    }

    /// The text without the surrounding white space; nil when nothing is left.
    public var trimmedText: String? { storage.trimmedText(of: index) }

    public func children(named name: String) -> [XMLElementNode] {
        var name = name
        return name.withUTF8 { query in
            var found: [XMLElementNode] = []
            forEachChild { child in
                if storage.names.matches(child.element.name, query) { found.append(child) }
            }
            return found
        }
    }

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name.sameBytes(as: name) }?.value
    }

    /// The first element below this one (depth first, this one excluded) with the given name.
    public func firstDescendant(named name: String) -> XMLElementNode? {
        for child in children {
            if child.name.sameBytes(as: name) { return child }
            if let found = child.firstDescendant(named: name) { return found }
        }
        return nil
    }

    public static func == (lhs: XMLElementNode, rhs: XMLElementNode) -> Bool {
        lhs.name.sameBytes(as: rhs.name) && lhs.line == rhs.line && lhs.attributes == rhs.attributes
            && lhs.withTextBytes { left in rhs.withTextBytes { right in left.elementsEqual(right) } }
            && lhs.children == rhs.children
    }

    /// The element as a JSON value for `raw` tables: a leaf is its text; an element with children or attributes
    /// is an object whose keys keep the document's order, with `@name` for attributes and an array for a name
    /// that repeats (the lines of a document).
    public var json: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // Built as bytes: String appends and Unicode-aware comparisons of Cyrillic names cost more than the parse.
    private func appendJSON(to out: inout [UInt8]) {
        let children = self.children
        let attributes = self.attributes
        if children.isEmpty && attributes.isEmpty {
            Self.appendQuoted(text, to: &out)
            return
        }
        out.append(UInt8(ascii: "{"))
        var first = true
        func separator() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        for attribute in attributes {
            separator()
            Self.appendQuoted("@" + attribute.name, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.appendQuoted(attribute.value, to: &out)
        }
        if children.isEmpty && !text.isEmpty {
            separator()
            Self.appendQuoted("#text", to: &out)
            out.append(UInt8(ascii: ":"))
            Self.appendQuoted(text, to: &out)
        }
        for (index, child) in children.enumerated()
        where !children[..<index].contains(where: { $0.name.sameBytes(as: child.name) }) {
            separator()
            Self.appendQuoted(child.name, to: &out)
            out.append(UInt8(ascii: ":"))
            let repeats = children[(index + 1)...].contains { $0.name.sameBytes(as: child.name) }
            if repeats {
                out.append(UInt8(ascii: "["))
                var firstItem = true
                for sibling in children[index...] where sibling.name.sameBytes(as: child.name) {
                    if !firstItem { out.append(UInt8(ascii: ",")) }
                    firstItem = false
                    sibling.appendJSON(to: &out)
                }
                out.append(UInt8(ascii: "]"))
            } else {
                child.appendJSON(to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
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
    /// Byte-wise equality: XML names are compared as written, without the Unicode normalisation that `==`
    /// applies to non-ASCII strings (which made Cyrillic element lookups the slowest part of a load).
    func sameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        // Native strings are contiguous UTF-8: compare the buffers, not element by element through the view.
        let equal = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in mine.elementsEqual(theirs) }
        }
        return (equal ?? nil) ?? utf8.elementsEqual(other.utf8)
    }

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
