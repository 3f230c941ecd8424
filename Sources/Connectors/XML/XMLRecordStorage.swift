#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element names of one document, interned: an element stores a small integer instead of a `String`.
///
/// Immutable, so records can share it across tasks; the reader makes a new table (a copy plus the new
/// name) on the rare occasions a document uses a name for the first time.
public final class XMLNameTable: @unchecked Sendable {
    let strings: [String]
    /// Every name's UTF-8 bytes back to back: `bytes[starts[id]..<starts[id + 1]]`. Raw buffers, owned and
    /// never changed: a lookup reads them without the reference counting an array read costs.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let starts: UnsafeMutableBufferPointer<Int32>

    init(strings: [String] = []) {
        self.strings = strings
        let total = strings.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(total, 1))
        starts = .allocate(capacity: strings.count + 1)
        var offset = 0
        starts[0] = 0
        for (index, string) in strings.enumerated() {
            for byte in string.utf8 {
                bytes[offset] = byte
                offset += 1
            }
            starts[index + 1] = Int32(offset)
        }
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
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
        return count == 0 || memcmp(bytes.baseAddress! + start, query.baseAddress!, count) == 0
    }
}

/// One record's elements in document order, in flat buffers: what `XMLElementNode` points into.
///
/// A record is built once by the reader and never changed. Flat storage instead of a tree of structs:
/// building a tree of `String`s and arrays cost an allocation and several reference counts per element,
/// more than libxml2's parse; here a record is two buffers, and text is decoded only when asked for. The
/// buffers are raw (owned, freed in `deinit`) so that walking a record costs no reference counting.
public final class XMLRecordStorage: @unchecked Sendable {
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

    let elements: UnsafeMutableBufferPointer<Element>
    let text: UnsafeMutableBufferPointer<UInt8>
    let attributes: [XMLAttribute]
    let names: XMLNameTable

    init(elements: [Element], text: [UInt8], attributes: [XMLAttribute], names: XMLNameTable) {
        self.elements = .allocate(capacity: max(elements.count, 1))
        _ = self.elements.initialize(from: elements)
        self.text = .allocate(capacity: max(text.count, 1))
        _ = self.text.initialize(from: text)
        self.attributes = attributes
        self.names = names
    }

    deinit {
        elements.deallocate()
        text.deallocate()
    }

    /// The first child of element `index` named by these bytes.
    @inline(__always)
    func child(of index: Int32, named query: UnsafeBufferPointer<UInt8>) -> Int32? {
        var child = elements[Int(index)].firstChild
        while child >= 0 {
            let element = elements[Int(child)]
            if names.matches(element.name, query) { return child }
            child = element.nextSibling
        }
        return nil
    }

    /// Element `index`'s text without surrounding white space; nil when nothing is left.
    func trimmedText(of index: Int32) -> String? {
        let element = elements[Int(index)]
        var first = Int(element.textStart)
        var last = Int(element.textEnd) - 1
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while first <= last && isSpace(text[first]) { first += 1 }
        while last >= first && isSpace(text[last]) { last -= 1 }
        guard first <= last else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: text[first...last]), as: UTF8.self)
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

    /// Closes the innermost element; true when it was the outermost, and the record is complete (`take` it).
    mutating func end() -> Bool {
        let index = Int(open.removeLast())
        if elements[index].firstChild < 0 {
            elements[index].textEnd = Int32(text.count)
        } else {
            text.removeLast(text.count - textMark)
        }
        textMark = text.count
        return open.isEmpty
    }

    /// The completed record, with the names its elements refer to; the builder starts empty again.
    mutating func take(names: XMLNameTable) -> XMLRecordStorage {
        let record = XMLRecordStorage(elements: elements, text: text, attributes: attributes, names: names)
        elements.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        textMark = 0
        return record
    }
}
