import Foundation
import HubCore

/// `loan-contracts` and `loan-operations` as XML, for core banking systems that export XML rather than CSV
/// (docs/connectors/loan-contracts.md): a root element holding one element per record, whose children are named
/// as the CSV layout's columns.
///
///     <LoanContracts>
///       <Contract>
///         <contract>KR-2024-000117</contract><borrower_id>30211199800014</borrower_id> …
///       </Contract>
///     </LoanContracts>
///
/// Streams through `XMLFileReader` (libxml2, no DTD, no external entities): one record in memory at a time.
public struct LoanXMLFile: ~Copyable {
    /// One record: its fields, or why it cannot be read.
    public enum Item {
        case record(LoanFileFields)
        case rejected(LineRejection)
    }

    /// The layout's root and record element names.
    public struct Shape: Sendable {
        public var root: String
        public var record: String
        public var columns: [String]

        public static let contracts = Shape(root: "LoanContracts", record: "Contract", columns: LoanContractFile.columns)
        public static let operations = Shape(root: "LoanOperations", record: "Operation",
                                             columns: LoanOperationFile.columns)
    }

    private var reader: XMLFileReader
    private let shape: Shape
    private let source: String

    public init(path: String, source: String, shape: Shape, limits: InputLimits = .default) throws {
        reader = try XMLFileReader(path: path, source: source, recordDepth: 2, limits: limits)
        self.shape = shape
        self.source = source
    }

    public var bytesRead: Int64 { reader.bytesRead }

    /// Reads the next chunk, handing out every record it completes. Returns false once the file is done.
    public mutating func readChunk(emit: (Item) throws -> Void) throws -> Bool {
        let (shape, source) = (shape, source)
        return try reader.readChunk { event in
            switch event {
            case .opened(let name, _, _, let depth, let line) where depth == 1 && name != shape.root:
                throw HubError(.malformedInput, "the root element is <\(name)>, not <\(shape.root)>",
                               location: SourceLocation(source: source, line: line))
            case .record(let element, _, _) where element.name == shape.record:
                let item: Item
                do throws(LineRejection) {
                    item = .record(try LoanFileFields(element, columns: shape.columns))
                } catch {
                    item = .rejected(error)
                }
                try emit(item)
            case .record(let element, _, _):
                try emit(.rejected(LineRejection(line: element.line, reason: "<\(element.name)> is not a <\(shape.record)>",
                                                 raw: element.json)))
            case .skipped(let name, _, let line):
                try emit(.rejected(LineRejection(line: line, reason: "<\(name)> is not a <\(shape.record)>", raw: name)))
            default:
                break
            }
        }
    }
}
