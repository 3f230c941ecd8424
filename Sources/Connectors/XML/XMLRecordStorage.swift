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
    private let starts: UnsafeMutableBufferPointer<Int>

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
            starts[index + 1] = offset
        }
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
    }

    /// Ids are `Int32`: the reader refuses a document with more than `XMLStreamReader.maxDistinctNames`.
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
        let start = starts[Int(id)]
        let count = starts[Int(id) + 1] - start
        guard count == query.count else { return false }
        return count == 0 || memcmp(bytes.baseAddress! + start, query.baseAddress!, count) == 0
    }
}

/// Why a record cannot be loaded as it was read: a value past `InputLimits.maxValueBytes`, or a record too large
/// for one record's storage. The reader keeps only a preview of such a value and counts the rest, so memory
/// stays bounded; whoever turns the record into rows quarantines it with this reason.
public struct XMLValueProblem: Sendable, Equatable {
    /// A sentence for `ops.quarantine`: what holds how much, and the limit (`Товары/Строка[2]/Содержание holds …`).
    public var reason: String
    /// Where the value stands below the record's own element (`Товары/Строка[2]/Содержание`,
    /// `Товары/Строка[2]/@Ид` for an attribute); empty for the record's element itself.
    public var path: String
    /// The line of the start tag of the element that holds the value.
    public var line: Int
}

/// One record's elements in document order, in flat buffers: what `XMLElementNode` points into.
///
/// A record is built once by the reader and never changed. Flat storage instead of a tree of structs:
/// building a tree of `String`s and arrays cost an allocation and several reference counts per element,
/// more than libxml2's parse; here a record is two buffers, and text is decoded only when asked for. The
/// buffers are raw (owned, freed in `deinit`) so that walking a record costs no reference counting.
public final class XMLRecordStorage: @unchecked Sendable {
    /// 40 bytes per element, read millions of times per file: offsets into one record's buffers are `Int32`.
    /// That holds because a record is bounded: each value by `InputLimits.maxValueBytes` and the record's text
    /// by `XMLRecordBuilder.maxRecordTextBytes` (below 2 GiB), both checked as it grows, and every conversion
    /// is checked (a record that cannot be held fails as a `HubError`, it never traps). Line numbers are the
    /// exception — a file's can pass 2^31 — so an element keeps its line relative to the record's first line.
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
        /// The start tag's line minus the record's `firstLine`.
        var lineOffset: Int32
    }

    let elements: UnsafeMutableBufferPointer<Element>
    let text: UnsafeMutableBufferPointer<UInt8>
    let attributes: [XMLAttribute]
    let names: XMLNameTable
    /// The line of the record's start tag in the file.
    let firstLine: Int
    /// Set when a value went past the limit (and is only a preview here).
    let problem: XMLValueProblem?

    init(elements: [Element], text: [UInt8], attributes: [XMLAttribute], names: XMLNameTable, firstLine: Int,
         problem: XMLValueProblem? = nil) {
        self.elements = .allocate(capacity: max(elements.count, 1))
        _ = self.elements.initialize(from: elements)
        self.text = .allocate(capacity: max(text.count, 1))
        _ = self.text.initialize(from: text)
        self.attributes = attributes
        self.names = names
        self.firstLine = firstLine
        self.problem = problem
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
    /// The most text one record may hold: `Element`'s `Int32` offsets stay valid below it.
    static let maxRecordTextBytes = Int(Int32.max) - (1 << 20)
    /// How much of a value past the limit is kept, to show in quarantine.
    static let previewBytes = 256

    private var elements: [XMLRecordStorage.Element] = []
    private var text: [UInt8] = []
    private var attributes: [XMLAttribute] = []
    /// The open elements, innermost last.
    private var open: [Int32] = []
    /// Where character data since the last tag begins: text between tags of an element with children
    /// (indentation, mixed content) is dropped when the next tag comes.
    private var textMark = 0
    private var firstLine = 0

    /// `maxValueBytes` is the longest run of character data kept.
    private let limits: InputLimits
    private let maxValueBytes: Int
    /// How far `text` may grow before `characters` takes its slow path: the end of the current run's allowance.
    private var textBudget = XMLRecordBuilder.maxRecordTextBytes
    /// The current run went past the limit: its bytes are counted in `runBytes`, not kept (beyond a preview).
    private var overflowing = false
    private var runBytes = 0
    /// The first value past a limit in this record: element, attribute name, bytes, whether still counting.
    private var overflow: (element: Int32, attribute: String?, bytes: Int, counting: Bool, recordFull: Bool)?
    /// Why the record cannot be held at all (more elements, attributes or lines than its storage can index).
    private(set) var failure: String?

    /// Unlimited by default (trees built by hand); the reader passes its limits.
    init(limits: InputLimits = InputLimits(maxValueBytes: .max)) {
        self.limits = limits
        self.maxValueBytes = max(limits.maxValueBytes, 1)
        updateBudget()
    }

    var isEmpty: Bool { open.isEmpty }

    private mutating func updateBudget() {
        let room = Self.maxRecordTextBytes - textMark
        textBudget = maxValueBytes >= room ? Self.maxRecordTextBytes : textMark + maxValueBytes
    }

    /// The current run of character data ends (a tag comes): past the limit, its full size is now known.
    private mutating func endRun() {
        if overflowing, overflow?.counting == true {
            overflow!.bytes = runBytes
            overflow!.counting = false
        }
        overflowing = false
        runBytes = 0
    }

    mutating func start(name: Int32, line: Int, attributes newAttributes: [XMLAttribute]) {
        text.removeLast(text.count - textMark)
        endRun()
        if elements.isEmpty { firstLine = line }
        guard let index = Int32(exactly: elements.count), let textStart = Int32(exactly: text.count),
              let attributeStart = Int32(exactly: attributes.count),
              let attributeCount = Int32(exactly: newAttributes.count), let lineOffset = Int32(exactly: line - firstLine)
        else {
            if failure == nil {
                failure = "the record that starts at line \(firstLine) is too large to hold: more than 2^31 elements, "
                    + "attributes or lines"
            }
            // Keeps `open` balanced for `end`; the reader stops at this failure.
            open.append(-1)
            return
        }
        let parent = open.last ?? -1
        elements.append(XMLRecordStorage.Element(
            name: name, parent: parent, textStart: textStart, textEnd: textStart,
            attributeStart: attributeStart, attributeCount: attributeCount, lineOffset: lineOffset))
        if !newAttributes.isEmpty { attributes.append(contentsOf: newAttributes) }
        if parent >= 0 {
            let previous = elements[Int(parent)].lastChild
            if previous >= 0 { elements[Int(previous)].nextSibling = index } else { elements[Int(parent)].firstChild = index }
            elements[Int(parent)].lastChild = index
        }
        open.append(index)
        textMark = text.count
        updateBudget()
    }

    /// An attribute of the element just started was longer than the limit (the reader kept a preview of it).
    mutating func noteOverlongAttribute(_ name: String, bytes: Int) {
        guard overflow == nil, let element = open.last, element >= 0 else { return }
        overflow = (element, name, bytes, false, false)
    }

    @inline(__always)
    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        // One comparison per callback on the common path.
        if text.count + bytes.count <= textBudget {
            text.append(contentsOf: bytes)
        } else {
            overflowed(bytes)
        }
    }

    /// The current run goes past its allowance: keep a preview, count the rest.
    private mutating func overflowed(_ bytes: UnsafeBufferPointer<UInt8>) {
        if overflowing {
            runBytes += bytes.count
            return
        }
        let kept = text.count - textMark
        overflowing = true
        // Until the run ends, every callback takes this slow path and is only counted.
        textBudget = .min
        runBytes = kept + bytes.count
        if kept > Self.previewBytes {
            text.removeLast(kept - Self.previewBytes)
        } else if text.count + Self.previewBytes <= Self.maxRecordTextBytes + (1 << 20) {
            text.append(contentsOf: bytes.prefix(Self.previewBytes - kept))
        }
        if overflow == nil, let element = open.last, element >= 0 {
            overflow = (element, nil, runBytes, true, runBytes <= maxValueBytes)
        }
    }

    /// Closes the innermost element; true when it was the outermost, and the record is complete (`take` it).
    mutating func end() -> Bool {
        let index = Int(open.removeLast())
        endRun()
        guard index >= 0 else { return open.isEmpty }
        if elements[index].firstChild < 0 {
            // `text` never passes maxRecordTextBytes (plus a preview), so this always holds.
            elements[index].textEnd = Int32(exactly: text.count) ?? elements[index].textStart
        } else {
            text.removeLast(text.count - textMark)
        }
        textMark = text.count
        updateBudget()
        return open.isEmpty
    }

    /// The completed record, with the names its elements refer to; the builder starts empty again.
    mutating func take(names: XMLNameTable) -> XMLRecordStorage {
        let problem = overflow.map { describe($0, names: names) }
        let record = XMLRecordStorage(elements: elements, text: text, attributes: attributes, names: names,
                                      firstLine: firstLine, problem: problem)
        elements.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        textMark = 0
        overflow = nil
        updateBudget()
        return record
    }

    /// The problem as `Товары/Строка[2]/Содержание holds 150 MiB …`, with its path below the record.
    private func describe(
        _ overflow: (element: Int32, attribute: String?, bytes: Int, counting: Bool, recordFull: Bool),
        names: XMLNameTable
    ) -> XMLValueProblem {
        var steps: [String] = []
        var index = overflow.element
        while index > 0 {
            let element = elements[Int(index)]
            let name = names.strings[Int(element.name)]
            // A position among same-named siblings, as XPath counts, when there is more than one.
            var position = 0
            var count = 0
            var sibling = elements[Int(element.parent)].firstChild
            while sibling >= 0 {
                if elements[Int(sibling)].name == element.name {
                    count += 1
                    if sibling == index { position = count }
                }
                sibling = elements[Int(sibling)].nextSibling
            }
            steps.append(count > 1 ? "\(name)[\(position)]" : name)
            index = element.parent
        }
        var path = steps.reversed().joined(separator: "/")
        if let attribute = overflow.attribute { path += (path.isEmpty ? "" : "/") + "@" + attribute }
        let element = elements[Int(overflow.element)]
        var subject = path.isEmpty ? names.strings[Int(elements[0].name)] : path
        if overflow.attribute == nil, element.firstChild >= 0 { subject += " (text between its elements)" }
        let reason = overflow.recordFull
            ? "\(subject): the record holds more than \(InputLimits.describe(Int64(Self.maxRecordTextBytes))) of text, "
                + "more than one record can hold"
            : limits.valueTooLong(subject, bytes: Int64(overflow.bytes), atLeast: overflow.counting)
        return XMLValueProblem(reason: reason, path: path, line: firstLine + Int(element.lineOffset))
    }
}
