import CLibXML2
import HubCore

/// What `XMLStreamReader` reports, in document order.
public enum XMLStreamEvent: Sendable {
    /// An element above the record level opened (an envelope such as `Message`, `Body` or the CommerceML
    /// root), with its namespace URI and attributes. Its children follow as further events.
    case opened(name: String, namespaceURI: String?, attributes: [XMLAttribute], depth: Int, line: Int)
    /// A whole element at the record level, as a tree; `parent` is the local name of the element around it;
    /// `bytes` is where its text stands in the file (for keeping the exact bytes in `raw`).
    case record(XMLElementNode, parent: String, bytes: XMLByteRange)
    /// An element at the record level that the reader was told not to keep (a catalog inside a documents
    /// file, say): its name and line only.
    case skipped(name: String, parent: String, line: Int)
    case closed(name: String, depth: Int)
}

/// Where a record stands in its file, in the file's own bytes: enough to find its exact text again.
public struct XMLByteRange: Sendable, Equatable {
    public var offset: Int64
    public var length: Int64

    public init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }
}

/// A streaming XML reader over libxml2's SAX2 push parser: bytes go in chunk by chunk, records come out.
///
/// Chosen by measurement over Foundation's `XMLParser` and libxml2's `xmlTextReader` (docs/decisions.md, D9).
/// Elements at `recordDepth` (1 is the root) are built into records (`XMLRecordStorage`) one at a time; everything
/// above them is reported as open/close events, so memory is bounded by the largest record, not the file.
///
/// Safe by construction for input from outside: a document type declaration (`<!DOCTYPE`, the only way to
/// declare entities or reach external ones) stops the parse with an error, network access is off, and
/// entities are never substituted, so XXE and entity-expansion ("billion laughs") inputs are refused.
/// The encoding comes from the XML declaration (UTF-8, UTF-16, Windows-1251, …) through libxml2.
///
/// Bounded for hostile input too: a text node or attribute longer than `InputLimits.maxValueBytes` is kept as
/// a preview only, and the record carries an `XMLValueProblem` (its path and the reason) for quarantine; text
/// outside records is never kept. libxml2 itself refuses NUL and the other C0 control characters (they are not
/// XML 1.0 characters, not even as `&#0;`), and attribute values over 10,000,000 bytes (`XML_MAX_TEXT_LENGTH`),
/// as not well-formed: the file fails with its line and column.
public final class XMLStreamReader {
    public let source: String
    public let recordDepth: Int
    public let limits: InputLimits
    private let keepRecord: (String) -> Bool

    private var context: xmlParserCtxtPtr?
    private var handler = xmlSAXHandler()
    private var started = false
    private var finished = false

    // Parser state, touched only from libxml2's callbacks during `parse`/`finish`.
    fileprivate var pending: [XMLStreamEvent] = []
    fileprivate var depth = 0
    fileprivate var envelope: [String] = []
    fileprivate var builder: XMLRecordBuilder
    fileprivate var skippingDepth: Int?
    fileprivate var nameIDs: [UnsafeRawPointer: Int32] = [:]
    fileprivate var names = XMLNameTable()
    fileprivate var failure: HubError?
    fileprivate var elementCount = 0
    /// The file offset where the next record's bytes begin: just after the previous element event at or
    /// above the record level (so a record's range starts with the white space before its start tag).
    fileprivate var recordBoundary: Int64 = 0
    fileprivate var recordStart: Int64 = 0
    /// libxml2 counts lines in a C `int`; past 2^31 it wraps. Wraps are counted here, so lines stay right.
    private var lastRawLine: UInt32 = 0
    private var lineWraps = 0

    /// More distinct element and attribute names than any 1C or bank format has: each new name copies the
    /// name table, so a document made of new names would otherwise cost time quadratic in their number.
    static let maxDistinctNames = 1 << 15

    /// - Parameters:
    ///   - source: the name used in positions and errors (usually the path as the user gave it).
    ///   - recordDepth: the depth of the elements delivered whole (the root is depth 1).
    ///   - limits: `maxValueBytes` bounds each text node and attribute of a record.
    ///   - keepRecord: whether an element at record depth with this local name is kept; others are skipped.
    public init(source: String, recordDepth: Int, limits: InputLimits = .default,
                keepRecord: @escaping (String) -> Bool = { _ in true }) {
        precondition(recordDepth >= 1)
        _ = libxml2Initialised
        self.source = source
        self.recordDepth = recordDepth
        self.limits = limits
        self.builder = XMLRecordBuilder(limits: limits)
        self.keepRecord = keepRecord
        xmlSAXVersion(&handler, 2)
        handler.startElementNs = onStartElement
        handler.endElementNs = onEndElement
        handler.characters = onCharacters
        handler.cdataBlock = onCharacters
        handler.ignorableWhitespace = onCharacters
        handler.internalSubset = onDocumentType
        handler.externalSubset = onDocumentType
        handler.entityDecl = nil
        handler.comment = nil
        handler.processingInstruction = nil
        handler.serror = onError
        handler.warning = nil
        handler.error = nil
        handler.fatalError = nil
        handler.startDocument = nil
        handler.endDocument = nil
    }

    deinit {
        if let context {
            xmlFreeParserCtxt(context)
        }
    }

    /// The line the parser has reached.
    public var line: Int {
        guard let input = context?.pointee.input else { return 0 }
        return unwrapped(line: input.pointee.line)
    }

    /// A line number as libxml2 reports it (a C `int`, which wraps past 2^31) as the file's true line: lines only
    /// grow, so a value far below the last one seen is a wrap.
    fileprivate func unwrapped(line raw: Int32, remember: Bool = true) -> Int {
        let value = UInt32(bitPattern: raw)
        var wraps = lineWraps
        if value < lastRawLine, lastRawLine - value > 1 << 31 { wraps += 1 }
        if remember {
            lineWraps = wraps
            lastRawLine = value
        }
        return Int(value) + wraps << 32
    }

    /// The encoding the parser decodes the file from: `UTF-8` unless libxml2 converts (then its converter's
    /// name, such as `windows-1251` or `UTF-16LE`); nil before the first bytes.
    public var encodingName: String? {
        guard let context, let input = context.pointee.input else { return nil }
        guard let encoder = input.pointee.buf?.pointee.encoder, let name = encoder.pointee.name else { return "UTF-8" }
        return String(cString: name)
    }

    /// How far into the file the parser has consumed, in the file's own bytes (libxml2's `xmlByteConsumed`).
    fileprivate var consumed: Int64 {
        guard let context else { return 0 }
        return Int64(xmlByteConsumed(context))
    }

    /// Feeds the next bytes of the document and hands every event they complete to `emit`.
    public func parse(_ chunk: UnsafeRawBufferPointer, emit: (XMLStreamEvent) throws -> Void) throws {
        guard !finished else { return }
        // For a file that is not UTF-8, libxml2 computes a byte offset by re-encoding what it has converted but
        // not yet parsed; pushing small pieces keeps that (once per record) proportional to a piece, not a chunk.
        if started, let context, context.pointee.input?.pointee.buf?.pointee.encoder != nil,
           chunk.count > Self.convertedPiece {
            var rest = chunk
            while !rest.isEmpty {
                let piece = UnsafeRawBufferPointer(rebasing: rest.prefix(Self.convertedPiece))
                try parsePiece(piece, emit: emit)
                rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(piece.count))
            }
            return
        }
        try parsePiece(chunk, emit: emit)
    }

    private static let convertedPiece = 16 * 1024

    private func parsePiece(_ chunk: UnsafeRawBufferPointer, emit: (XMLStreamEvent) throws -> Void) throws {
        var bytes = chunk
        if !started {
            started = true
            // libxml2 reads the encoding from the first bytes given at creation: hand it the XML declaration.
            let head = UnsafeRawBufferPointer(rebasing: bytes.prefix(4))
            context = xmlCreatePushParserCtxt(
                &handler, Unmanaged.passUnretained(self).toOpaque(),
                head.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(head.count), source)
            guard let context else { throw HubError(.io, "libxml2 could not create a parser", location: location()) }
            xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue))
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst(head.count))
        }
        // Chunks beyond 2 GiB cannot be passed in one call; the file reader never produces those.
        guard let count = Int32(exactly: bytes.count) else {
            throw HubError(.io, "a chunk of \(bytes.count) bytes is more than libxml2 takes at once",
                           location: location())
        }
        let status = xmlParseChunk(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), count, 0)
        try deliver(status: status, emit: emit)
    }

    /// Ends the document: reports what is left and fails if the document is incomplete.
    public func finish(emit: (XMLStreamEvent) throws -> Void) throws {
        guard !finished else { return }
        if !started {
            throw HubError(.malformedInput, "the file is empty, not an XML document", location: location())
        }
        let status = xmlParseChunk(context, nil, 0, 1)
        finished = true
        try deliver(status: status, emit: emit)
    }

    private func deliver(status: Int32, emit: (XMLStreamEvent) throws -> Void) throws {
        let events = pending
        pending.removeAll(keepingCapacity: true)
        if failure == nil && status != 0 {
            failure = HubError(.malformedInput, "the XML is not well-formed (libxml2 error \(status))",
                               location: location())
        }
        if let failure {
            finished = true
            throw failure
        }
        for event in events { try emit(event) }
    }

    fileprivate func location(line: Int? = nil, field: String? = nil) -> SourceLocation {
        SourceLocation(source: source, line: line ?? self.line, field: field)
    }

    fileprivate func stop(_ error: HubError) {
        if failure == nil { failure = error }
        if let context { xmlStopParser(context) }
    }

    fileprivate func nameID(_ pointer: UnsafePointer<xmlChar>) -> Int32 {
        // libxml2 interns names in the parser's dictionary: the same name is always the same pointer.
        let key = UnsafeRawPointer(pointer)
        if let known = nameIDs[key] { return known }
        if names.strings.count >= Self.maxDistinctNames, failure == nil {
            stop(HubError(.malformedInput,
                          "the document uses more than \(Self.maxDistinctNames) distinct element and attribute names; "
                              + "no format CRMHub reads has that many", location: location()))
        }
        let (table, id) = names.adding(String(cString: pointer))
        names = table
        nameIDs[key] = id
        return id
    }

    fileprivate func name(_ pointer: UnsafePointer<xmlChar>) -> String {
        let id = nameID(pointer)  // first: it may replace `names`
        return names.strings[Int(id)]
    }

    fileprivate func startElement(
        _ localName: UnsafePointer<xmlChar>, uri: UnsafePointer<xmlChar>?, count: Int,
        attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        depth += 1
        elementCount += 1
        if skippingDepth != nil { return }
        let nameID = self.nameID(localName)
        var attributeList: [XMLAttribute] = []
        var overlong: (name: String, bytes: Int)?
        if count > 0, let attributes {
            attributeList.reserveCapacity(count)
            for index in 0..<count {
                // Five pointers per attribute: local name, prefix, URI, value start, value end.
                let base = attributes + index * 5
                guard let attributeName = base[0], let start = base[3], let end = base[4] else { continue }
                var length = end - start
                let name = self.name(attributeName)
                if length > limits.maxValueBytes {
                    // Only a preview is kept; the record is marked for quarantine below.
                    if overlong == nil { overlong = (name, length) }
                    length = XMLRecordBuilder.previewBytes
                }
                let value = String(decoding: UnsafeBufferPointer(start: start, count: length), as: UTF8.self)
                attributeList.append(XMLAttribute(name: name, value: value))
            }
        }
        if depth < recordDepth, let overlong {
            // An envelope element cannot be quarantined on its own: the file is refused.
            stop(HubError(.malformedInput,
                          limits.valueTooLong("attribute \(overlong.name) of <\(names.strings[Int(nameID)])>",
                                              bytes: Int64(overlong.bytes)),
                          location: location()))
            return
        }
        if depth < recordDepth {
            let name = names.strings[Int(nameID)]
            envelope.append(name)
            // libxml2 reports a start tag before consuming its closing `>`.
            recordBoundary = consumed + (context?.pointee.input?.pointee.cur?.pointee == UInt8(ascii: ">") ? 1 : 0)
            pending.append(.opened(name: name, namespaceURI: uri.map { String(cString: $0) },
                                   attributes: attributeList, depth: depth, line: line))
            return
        }
        if depth == recordDepth, case let name = names.strings[Int(nameID)], !keepRecord(name) {
            skippingDepth = depth
            pending.append(.skipped(name: name, parent: envelope.last ?? "", line: line))
            return
        }
        if builder.isEmpty { recordStart = recordBoundary }
        builder.start(name: nameID, line: line, attributes: attributeList)
        if let overlong { builder.noteOverlongAttribute(overlong.name, bytes: overlong.bytes) }
        if let failure = builder.failure { stop(HubError(.malformedInput, failure, location: location())) }
    }

    fileprivate func endElement() {
        defer { depth -= 1 }
        if let skipping = skippingDepth {
            if depth == skipping {
                skippingDepth = nil
                recordBoundary = consumed
            }
            return
        }
        if depth < recordDepth {
            recordBoundary = consumed
            pending.append(.closed(name: envelope.removeLast(), depth: depth))
            return
        }
        if builder.end() {
            let record = builder.take(names: names)
            recordBoundary = consumed
            let bytes = XMLByteRange(offset: recordStart, length: max(0, recordBoundary - recordStart))
            pending.append(.record(XMLElementNode(storage: record, index: 0), parent: envelope.last ?? "",
                                   bytes: bytes))
        }
    }

    fileprivate func characters(_ bytes: UnsafePointer<xmlChar>, count: Int) {
        guard !builder.isEmpty, skippingDepth == nil else { return }
        builder.characters(UnsafeBufferPointer(start: bytes, count: count))
    }
}

private let libxml2Initialised: Void = xmlInitParser()

private func reader(_ context: UnsafeMutableRawPointer?) -> XMLStreamReader {
    Unmanaged<XMLStreamReader>.fromOpaque(context!).takeUnretainedValue()
}

/// Runs `body` on the reader behind libxml2's context pointer without retaining it: the reader outlives every
/// callback (it owns the parser), and a retain/release pair on each of millions of callbacks was measurable.
@inline(__always)
private func withReader(_ context: UnsafeMutableRawPointer?, _ body: (XMLStreamReader) -> Void) {
    Unmanaged<XMLStreamReader>.fromOpaque(context!)._withUnsafeGuaranteedRef(body)
}

private let onStartElement: startElementNsSAX2Func = {
    context, localName, _, uri, _, _, count, _, attributes in
    withReader(context) { $0.startElement(localName!, uri: uri, count: Int(count), attributes: attributes) }
}

private let onEndElement: endElementNsSAX2Func = { context, _, _, _ in
    withReader(context) { $0.endElement() }
}

private let onCharacters: charactersSAXFunc = { context, bytes, count in
    guard let bytes else { return }
    withReader(context) { $0.characters(bytes, count: Int(count)) }
}

private let onDocumentType: internalSubsetSAXFunc = { context, _, _, _ in
    let reader = reader(context)
    reader.stop(HubError(
        .malformedInput,
        "the document has a DOCTYPE declaration, which CRMHub refuses: it can define entities that read local "
            + "files or expand without bound (XXE, \"billion laughs\"); 1C exchange files never need one",
        location: reader.location()))
}

private let onError: xmlStructuredErrorFunc = { context, error in
    guard let context, let error else { return }
    let reader = reader(context)
    // Only well-formedness errors stop a file; warnings and namespace remarks do not (1C files are read by
    // local names, and real ones carry namespace oddities).
    guard error.pointee.level.rawValue >= XML_ERR_FATAL.rawValue else { return }
    var message = error.pointee.message.map { String(cString: $0) } ?? "XML error \(error.pointee.code)"
    while message.last?.isWhitespace == true { message.removeLast() }
    let column = Int(error.pointee.int2)
    let line = reader.unwrapped(line: error.pointee.line, remember: false)
    reader.stop(HubError(
        .malformedInput,
        "the XML is not well-formed: \(message)" + (column > 0 ? " (line \(line), column \(column))" : ""),
        location: reader.location(line: line > 0 ? line : nil)))
}
