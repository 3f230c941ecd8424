#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element names of one document, interned: an element stores a small integer instead of a `String`.
///
/// Immutable, so records can share it across tasks; the reader makes a new table (a copy plus the new
/// name) on the rare occasions a document uses a name for the first time.
public final class XMLNameTable: Sendable {
    let strings: [String]
    /// Every name's UTF-8 bytes back to back: `bytes[starts[id]..<starts[id + 1]]`.
    let bytes: [UInt8]
    let starts: [Int32]

    init(strings: [String] = []) {
        self.strings = strings
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            starts.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.starts = starts
    }

    func adding(_ name: String) -> (XMLNameTable, Int32) {
        (XMLNameTable(strings: strings + [name]), Int32(strings.count))
    }

    /// The id of `name`, if the table has it (a linear search: for building small trees by hand only).
    func id(of name: String) -> Int32? {
        strings.firstIndex { $0.utf8.elementsEqual(name.utf8) }.map(Int32.init)
    }

    /// Whether name `id` is spelled with exactly these bytes. Compared as bytes: `String.==` normalises
    /// Unicode first, which for Cyrillic names cost more than the parse itself.
    @inline(__always)
    func matches(_ id: Int32, _ query: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(starts[Int(id)])
        let count = Int(starts[Int(id) + 1]) - start
        guard count == query.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            memcmp(all.baseAddress! + start, query.baseAddress!, count) == 0
        }
    }
}

/// One record's elements in document order, in flat arrays: what `XMLElementNode` points into.
///
/// A record is built once by the reader and never changed. Flat storage instead of a tree of structs:
/// building a tree of `String`s and arrays cost an allocation and several reference counts per element,
/// more than libxml2's parse; here a record is three arrays, and text is decoded only when asked for.
public final class XMLRecordStorage: Sendable {
    struct Element: Sendable {
        var name: Int32
        var parent: Int32
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
        /// The element's own character data (a leaf's text), as UTF-8 in `text`.
        var textStart: Int32
        var textEnd: Int32
        var attributeStart: Int32
        var attributeCount: Int32 = 0
        var line: Int32
    }

    let elements: [Element]
    let text: [UInt8]
    let attributes: [XMLAttribute]
    let names: XMLNameTable

    init(elements: [Element], text: [UInt8], attributes: [XMLAttribute], names: XMLNameTable) {
        self.elements = elements
        self.text = text
        self.attributes = attributes
        self.names = names
    }
}

/// Collects the elements of the record being read; `XMLStreamReader` drives it from libxml2's callbacks.
struct XMLRecordBuilder {
    private var elements: [XMLRecordStorage.Element] = []
    private var text: [UInt8] = []
    private var attributes: [XMLAttribute] = []
    /// The open elements, innermost last.
    private var open: [Int32] = []
    /// Where character data since the last tag begins: text between tags of an element with children
    /// (indentation, mixed content) is dropped when the next tag comes.
    private var textMark = 0

    var isEmpty: Bool { open.isEmpty }

    mutating func start(name: Int32, line: Int, attributes newAttributes: [XMLAttribute]) {
        text.removeLast(text.count - textMark)
        let index = Int32(elements.count)
        let parent = open.last ?? -1
        elements.append(XMLRecordStorage.Element(
            name: name, parent: parent, textStart: Int32(text.count), textEnd: Int32(text.count),
            attributeStart: Int32(attributes.count), attributeCount: Int32(newAttributes.count),
            line: Int32(truncatingIfNeeded: line)))
        if !newAttributes.isEmpty { attributes.append(contentsOf: newAttributes) }
        if parent >= 0 {
            let previous = elements[Int(parent)].lastChild
            if previous >= 0 { elements[Int(previous)].nextSibling = index } else { elements[Int(parent)].firstChild = index }
            elements[Int(parent)].lastChild = index
        }
        open.append(index)
        textMark = text.count
    }

    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        text.append(contentsOf: bytes)
    }

    /// Closes the innermost element; returns the finished record when it was the outermost.
    mutating func end(names: XMLNameTable) -> XMLRecordStorage? {
        let index = Int(open.removeLast())
        if elements[index].firstChild < 0 {
            elements[index].textEnd = Int32(text.count)
        } else {
            text.removeLast(text.count - textMark)
        }
        textMark = text.count
        guard open.isEmpty else { return nil }
        let record = XMLRecordStorage(elements: elements, text: text, attributes: attributes, names: names)
        elements.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        textMark = 0
        return record
    }
}
