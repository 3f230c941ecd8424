import HubCore

/// The envelope of an EnterpriseData exchange message (`<Message><msg:Header>`), as 1C's BSP writes it.
public struct EnterpriseDataHeader: Sendable, Equatable {
    /// `Format`: the namespace URI of the format, e.g. `http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.17`.
    public var format: String?
    /// The format version (`1.17`) from `Format`. The header is emitted before `<Body>` is read; a body whose
    /// namespace names an unsupported version still fails the message.
    public var version: EnterpriseDataVersion?
    /// `CreationDate`, as written: 1C writes UTC ("universal date") without a zone.
    public var creationDate: String?
    public var exchangePlan: String?
    /// The sender's node code (`Confirmation/From`).
    public var from: String?
    /// The receiver's node code (`Confirmation/To`).
    public var to: String?
    /// This message's number in the sender's sequence; nil or ≤ 0 disables the handshake.
    public var messageNo: Int?
    /// The last message number the sender accepted from us.
    public var receivedNo: Int?
    public var availableVersions: [String] = []
    /// Every header element as JSON, for `raw.onec_messages`.
    public var json: String = "{}"

    public init() {}
}

/// An EnterpriseData format version (`major.minor`; the namespace carries no more).
public struct EnterpriseDataVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    /// The versions CRMHub reads: BSP 3.1 ships packages 1.2 to 1.21.
    public static let oldestSupported = EnterpriseDataVersion(major: 1, minor: 2)
    public static let newestSupported = EnterpriseDataVersion(major: 1, minor: 21)
    /// What `crmhub export 1c-enterprisedata` writes: widely readable, and it has every object we send.
    public static let written = EnterpriseDataVersion(major: 1, minor: 17)

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Reads `1.17`, or the version at the end of a format URI (`…/EnterpriseData/1.17`).
    public init?(parsing text: String) {
        let tail = text.split(separator: "/").last.map(String.init) ?? text
        let parts = tail.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    public var isSupported: Bool { self >= Self.oldestSupported && self <= Self.newestSupported }
    public var description: String { "\(major).\(minor)" }
    public var namespace: String { "http://v8.1c.ru/edi/edi_stnd/EnterpriseData/\(self)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
}

/// One object of a message body: its format type name (`Справочник.Контрагенты`, `УдалениеОбъекта`, …) and
/// its properties as a tree.
public struct EnterpriseDataObject: Sendable {
    public init(typeName: String, node: XMLElementNode, position: Int,
                bytes: XMLByteRange = XMLByteRange(offset: 0, length: 0)) {
        self.typeName = typeName
        self.node = node
        self.position = position
        self.bytes = bytes
    }

    public var typeName: String
    public var node: XMLElementNode
    /// 1-based position among the body's objects.
    public var position: Int
    /// Where the object's text stands in the file.
    public var bytes: XMLByteRange
    public var line: Int { node.line }
    /// Where the object stands, for lineage and quarantine: `Message/Body/Документ.СчетПокупателю[3]`.
    public var path: String { "Message/Body/\(typeName)[\(position)]" }
}

/// What an EnterpriseData message yields, in order: the header, then the body's objects.
public enum EnterpriseDataRecord: Sendable {
    case header(EnterpriseDataHeader)
    case object(EnterpriseDataObject)
}
