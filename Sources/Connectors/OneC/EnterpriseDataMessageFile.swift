import HubCore

/// An EnterpriseData message file (`Message_<from>_<to>.xml`) read as a stream of records.
///
/// The header is emitted when `</msg:Header>` is read, before any object; the objects follow one at a time.
/// A message whose root is not `Message`, whose header is missing, or whose version is outside 1.2–1.21
/// fails as a whole, as do XML errors (with their line and column). An object with a value past
/// `InputLimits.maxValueBytes` comes with `node.valueProblem` set (the mapper quarantines it); a header field
/// like that fails the message, which cannot be routed without its header.
public struct EnterpriseDataMessageFile: ~Copyable {
    private var reader: XMLFileReader
    private var state = State()

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }
    /// The encoding the file is decoded from (`UTF-8`, `windows-1251`, …), once its first bytes are read.
    public var encodingName: String? { reader.parser.encodingName }

    public init(path: String, source: String? = nil, limits: InputLimits = .default) throws {
        // Message (1) / Header, Body (2) / the header's elements and the body's objects (3).
        reader = try XMLFileReader(path: path, source: source, recordDepth: 3, limits: limits)
        state.source = source ?? path
    }

    /// Parses the next chunk, emitting every record it completes. Returns false once the message is done.
    /// `bytes` sees each chunk of the file just before it is parsed.
    public mutating func readChunk(bytes: (UnsafeRawBufferPointer) -> Void = { _ in },
                                   emit: (EnterpriseDataRecord) throws -> Void) throws -> Bool {
        let more = try reader.readChunk(bytes: bytes) { event in try state.consume(event, emit: emit) }
        if !more { try state.finish() }
        return more
    }

    /// Reads a whole message into records. For tests and small files.
    public static func records(path: String, limits: InputLimits = .default) throws -> [EnterpriseDataRecord] {
        var file = try EnterpriseDataMessageFile(path: path, limits: limits)
        var records: [EnterpriseDataRecord] = []
        while try file.readChunk(emit: { records.append($0) }) {}
        return records
    }

    private struct State {
        var source = ""
        var header = EnterpriseDataHeader()
        var headerFields: [XMLElementNode] = []
        var headerDone = false
        var sawRoot = false
        var bodyVersion: EnterpriseDataVersion?
        var position = 0

        mutating func consume(_ event: XMLStreamEvent, emit: (EnterpriseDataRecord) throws -> Void) throws {
            switch event {
            case .opened(let name, _, _, 1, let line):
                guard name == "Message" else {
                    throw HubError(.malformedInput,
                                   "not an EnterpriseData message: the root element is <\(name)>, not <Message>",
                                   location: SourceLocation(source: source, line: line))
                }
                sawRoot = true
            case .opened("Body", let namespace, _, 2, let line):
                try finishHeader(line: line, emit: emit)
                bodyVersion = namespace.flatMap(EnterpriseDataVersion.init(parsing:))
                if let version = bodyVersion, !version.isSupported {
                    throw unsupported(version, line: line)
                }
                header.version = bodyVersion ?? header.version
            case .record(let node, "Header", _):
                if let problem = node.valueProblem {
                    throw HubError(.malformedInput, "the message header's \(problem.reason)",
                                   location: SourceLocation(source: source, line: problem.line, field: node.name))
                }
                headerFields.append(node)
            case .record(let node, "Body", let bytes):
                position += 1
                try emit(.object(EnterpriseDataObject(typeName: node.name, node: node, position: position,
                                                      bytes: bytes)))
            case .closed("Header", 2):
                try finishHeader(line: nil, emit: emit)
            default:
                break
            }
        }

        mutating func finishHeader(line: Int?, emit: (EnterpriseDataRecord) throws -> Void) throws {
            guard !headerDone else { return }
            headerDone = true
            let fields = XMLElementNode(name: "Header", children: headerFields)
            guard !headerFields.isEmpty else {
                throw HubError(.malformedInput, "the message has no <msg:Header> before its <Body>",
                               location: SourceLocation(source: source, line: line))
            }
            header.format = fields.value("Format")
            header.creationDate = fields.value("CreationDate")
            header.exchangePlan = fields.value("Confirmation", "ExchangePlan")
            header.from = fields.value("Confirmation", "From")
            header.to = fields.value("Confirmation", "To")
            header.messageNo = fields.value("Confirmation", "MessageNo").flatMap { Int($0) }
            header.receivedNo = fields.value("Confirmation", "ReceivedNo").flatMap { Int($0) }
            header.availableVersions = fields.children(named: "AvailableVersion").compactMap(\.trimmedText)
            header.json = fields.json
            if let format = header.format {
                guard let version = EnterpriseDataVersion(parsing: format) else {
                    throw HubError(.malformedInput, "the header's Format \"\(format.escapingControlCharacters())\" names no version",
                                   location: SourceLocation(source: source, line: fields.children.first?.line,
                                                            field: "Format"))
                }
                guard version.isSupported else { throw unsupported(version, line: headerFields.first?.line) }
                header.version = version
            }
            try emit(.header(header))
        }

        func unsupported(_ version: EnterpriseDataVersion, line: Int?) -> HubError {
            HubError(.malformedInput,
                     "EnterpriseData version \(version) is not supported; CRMHub reads "
                        + "\(EnterpriseDataVersion.oldestSupported)–\(EnterpriseDataVersion.newestSupported). "
                        + "Set the exchange on the 1C side to one of these versions",
                     location: SourceLocation(source: source, line: line, field: "Format"))
        }

        mutating func finish() throws {
            guard sawRoot, headerDone else {
                throw HubError(.malformedInput, "the file ended before an EnterpriseData header was read",
                               location: SourceLocation(source: source))
            }
        }
    }
}
