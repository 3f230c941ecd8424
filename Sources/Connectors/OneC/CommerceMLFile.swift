import HubCore

/// What a CommerceML 2.x file yields, in order: the root's facts, then its documents.
public enum CommerceMLRecord: Sendable {
    /// `КоммерческаяИнформация`: schema version (`ВерсияСхемы`, 2.05–2.10) and `ДатаФормирования`.
    case root(version: String?, createdAt: String?, namespace: String?)
    /// One `Документ` (order, invoice, shipment, payment) with its position among the file's documents and
    /// where its text stands in the file.
    case document(XMLElementNode, position: Int, bytes: XMLByteRange)
    /// A top-level element CRMHub does not load from a documents file (`Классификатор`, `Каталог`, …).
    case skipped(name: String, line: Int)
}

/// A CommerceML 2.x documents file (`documents*.xml`, `orders.xml`, the answer to `mode=query`) read as a
/// stream. Elements are matched by local name, so `urn:1C.ru:commerceml_2`, its variants and no namespace
/// at all read the same; UTF-8 (with or without BOM) and Windows-1251 come from the XML declaration.
/// Catalog sections are skipped without being built, so a full catalog export does not fill memory. A document
/// with a value past `InputLimits.maxValueBytes` comes with `node.valueProblem` set (the mapper quarantines it).
public struct CommerceMLFile: ~Copyable {
    private var reader: XMLFileReader
    private var source: String
    private var sawRoot = false
    private var position = 0

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }
    /// The encoding the file is decoded from (`UTF-8`, `windows-1251`, …), once its first bytes are read.
    public var encodingName: String? { reader.parser.encodingName }

    public init(path: String, source: String? = nil, limits: InputLimits = .default) throws {
        reader = try XMLFileReader(path: path, source: source, recordDepth: 2, limits: limits) { $0 == "Документ" }
        self.source = source ?? path
    }

    /// `bytes` sees each chunk of the file just before it is parsed.
    public mutating func readChunk(bytes: (UnsafeRawBufferPointer) -> Void = { _ in },
                                   emit: (CommerceMLRecord) throws -> Void) throws -> Bool {
        let source = self.source
        var sawRoot = self.sawRoot
        var position = self.position
        let more = try reader.readChunk(bytes: bytes) { event in
            switch event {
            case .opened(let name, let namespace, let attributes, 1, let line):
                guard name == "КоммерческаяИнформация" else {
                    throw HubError(.malformedInput,
                                   "not a CommerceML file: the root element is <\(name)>, not <КоммерческаяИнформация>",
                                   location: SourceLocation(source: source, line: line))
                }
                sawRoot = true
                let version = attributes.first { $0.name == "ВерсияСхемы" }?.value
                let created = attributes.first { $0.name == "ДатаФормирования" }?.value
                try emit(.root(version: version, createdAt: created, namespace: namespace))
            case .record(let node, _, let bytes):
                position += 1
                try emit(.document(node, position: position, bytes: bytes))
            case .skipped(let name, _, let line):
                try emit(.skipped(name: name, line: line))
            default:
                break
            }
        }
        self.sawRoot = sawRoot
        self.position = position
        if !more && !sawRoot {
            throw HubError(.malformedInput, "the file has no <КоммерческаяИнформация> root",
                           location: SourceLocation(source: source))
        }
        return more
    }

    /// Reads a whole file into records. For tests and small files.
    public static func records(path: String, limits: InputLimits = .default) throws -> [CommerceMLRecord] {
        var file = try CommerceMLFile(path: path, limits: limits)
        var records: [CommerceMLRecord] = []
        while try file.readChunk(emit: { records.append($0) }) {}
        return records
    }
}
