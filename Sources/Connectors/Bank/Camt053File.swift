import HubCore

/// An ISO 20022 bank-to-customer statement (camt.053, versions .02 to .14) or debit/credit notification
/// (camt.054, read the same way, without balances), read as a stream of `BankStatementRecord`s.
///
/// Each child of a `Stmt` (`Acct`, `Bal`, `Ntry`, …) is built whole and turned into records as soon as it is
/// read, so memory stays at one entry whatever the file's size. Records come in file order: per statement one
/// `.statement` (once its `Acct` is read), its `.balance`s, then a `.line` per transaction (`TxDtls`, or the
/// entry itself when it has none). A malformed entry or balance becomes `.rejected` and the rest goes on; a
/// statement whose totals do not add up gets a `.rejected` of kind `statement` after its lines. A file that is
/// not camt.053/054 (another root, namespace or version), has a DOCTYPE, or is not well-formed XML throws.
public struct Camt053File: ~Copyable {
    private var reader: XMLFileReader
    private var parser: Camt053Parser
    private var finished = false

    public var bytesRead: Int64 { reader.bytesRead }
    public var fileSize: Int64 { reader.fileSize }

    /// - Parameters:
    ///   - source: the name used in positions and errors (usually the path as the user gave it).
    ///   - limits: an entry or balance with a value past `maxValueBytes` is rejected (quarantined); such a value
    ///     anywhere else in a statement fails the file.
    public init(path: String, source: String? = nil, limits: InputLimits = .default) throws {
        // Document (1) / BkToCstmrStmt (2) / GrpHdr, Stmt (3) / Stmt's children, whole (4).
        reader = try XMLFileReader(path: path, source: source, recordDepth: 4, limits: limits)
        parser = Camt053Parser(source: source ?? path)
    }

    /// Parses the next chunk, emitting every record it completes. Returns false once the file is done.
    public mutating func readChunk(emit: (BankStatementRecord) throws -> Void) throws -> Bool {
        if finished { return false }
        let more = try reader.readChunk { event in try parser.consume(event, emit: emit) }
        if !more {
            finished = true
            try parser.finish()
        }
        return more
    }

    /// Reads a whole file into records. For tests and small files.
    public static func records(path: String, limits: InputLimits = .default) throws -> [BankStatementRecord] {
        var file = try Camt053File(path: path, limits: limits)
        var records: [BankStatementRecord] = []
        while try file.readChunk(emit: { records.append($0) }) {}
        return records
    }
}

/// The message kinds and versions `Camt053File` reads, from the root's namespace.
struct CamtVersion: Equatable {
    /// `053` or `054`.
    var message: String
    /// `2`…`14`.
    var version: Int

    static let prefix = "urn:iso:std:iso:20022:tech:xsd:camt."
    static let supported = 2...14

    /// `urn:iso:std:iso:20022:tech:xsd:camt.053.001.08` → (053, 8); nil for anything else.
    init?(namespace: String) {
        guard namespace.hasPrefix(Self.prefix) else { return nil }
        let parts = namespace.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "053" || parts[0] == "054", parts[1] == "001", parts[2].count == 2,
              let version = Int(parts[2]), Self.supported.contains(version)
        else { return nil }
        message = String(parts[0])
        self.version = version
    }

    /// `camt.053.001.08`.
    var format: String { "camt.\(message).001.\(version < 10 ? "0" : "")\(version)" }
    var isNotification: Bool { message == "054" }
    /// The element below `Document`: `BkToCstmrStmt` or `BkToCstmrDbtCdtNtfctn`.
    var messageElement: String { isNotification ? "BkToCstmrDbtCdtNtfctn" : "BkToCstmrStmt" }
    /// The repeating statement element: `Stmt` or `Ntfctn`.
    var statementElement: String { isNotification ? "Ntfctn" : "Stmt" }
}
