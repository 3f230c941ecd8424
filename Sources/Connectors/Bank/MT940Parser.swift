import Foundation
import HubCore

/// Streaming parser for MT940 statements: lines in (from `LineSplitter`), `BankStatementRecord`s out.
///
/// A field starts at a line beginning `:NN[A]:` and runs until the next one (other lines continue it); a field
/// is acted on once it is complete. A `:61:` is held until its `:86:` (the next field) is read, so each line
/// is emitted whole. SWIFT blocks are optional: `{…{4:` opens a message and `-}` ends it; without them a `:20:`
/// starts the next statement. Unknown fields (`:NS:`, `:34F:`, `:13D:`, `:90D:`, …) are skipped.
///
/// Input limits: a field with a control character (NUL, ESC, … — C0 other than tab), a line longer than
/// `InputLimits.maxValueBytes`, more than that in all, or more than `maxRawLines` lines is never read as a
/// value: a `:61:` or its `:86:` makes the statement line `.rejected` (line, column and reason), a balance field
/// a rejected balance; `:20:`, `:25:` and `:28C:` fail the file, which cannot be read without them.
public struct MT940Parser {
    public let source: String
    public let limits: InputLimits
    private let decoder: LineDecoder
    /// The current line transcoded to UTF-8 (reused).
    private let transcoded = ScratchBuffer()
    public private(set) var lineNumber = 0

    private var framing = Framing.unknown
    private var field: Field?
    private var statement: Statement?
    private var pending: Pending?
    private var sawReference = false
    private var sawAccount = false
    private var sawField = false
    /// What is wrong with the line being read, if anything (set by `consume`, read by `consumeContent`).
    private var lineProblem: String?
    /// Whether the line being read was cut to a preview (overlong).
    private var lineCut: Int?

    enum Framing {
        case unknown
        /// No SWIFT blocks: every line is content.
        case plain
        /// SWIFT blocks: only lines inside `{4:` … `-}` are content.
        case blocks(inside: Bool)
    }

    struct Field {
        /// `20`, `61`, `62F`, `NS`, …
        var tag: String
        var line: Int
        /// The text after the tag, then each continuation line as written.
        var lines: [String]
        /// The lines as written, tag included.
        var raw: [String]
        /// Why the field cannot be read as a value (a control character, a line or field over the limit).
        var problem: String?
        /// The bytes of `lines` so far, checked against `maxValueBytes`.
        var byteCount = 0
        /// The bytes of `raw` so far: a field with a problem keeps raw lines for quarantine up to `maxRawBytes`.
        var rawBytes = 0
    }

    struct Statement {
        var line: Int
        var reference: String?
        var account: String?
        var bankCode: String?
        var accountCurrency: String?
        var sequence: String?
        var info: StatementInfo?
        var opening: Decimal?
        var closing: Decimal?
        var sum = Decimal(0)
        var rejectedLines = 0
    }

    enum Pending {
        /// A `:61:` read, waiting for its `:86:`, with its lines as written (for quarantine if the `:86:` is bad).
        case line(StatementLine, raw: [String])
        case rejected(RejectedSection)
    }

    /// The most lines one field may have (SWIFT allows 6 for a `:86:`): more is not a statement.
    static let maxRawLines = 200
    /// Keeps quarantined raw text of a field with a problem bounded.
    static let maxRawBytes = 64 * 1024

    public init(encoding: TextEncoding, source: String, limits: InputLimits = .default) {
        self.decoder = LineDecoder(encoding: encoding)
        self.source = source
        self.limits = limits
    }

    // MARK: - Lines

    /// Feeds one line (without its line break), looking for control bytes and the length limit itself.
    public mutating func consume(line bytes: UnsafeBufferPointer<UInt8>, emit: (BankStatementRecord) throws -> Void)
        throws
    {
        let kept = UnsafeBufferPointer(rebasing: bytes.prefix(
            bytes.count > limits.maxValueBytes ? LineSplitter.overlongPreviewBytes : bytes.count))
        try consume(line: LineSplitter.Line(bytes: kept, length: bytes.count,
                                            firstControlByte: ControlCharacters.firstDisallowed(in: bytes)),
                    emit: emit)
    }

    /// Feeds one line from `LineSplitter` (which has found its control bytes and cut it if overlong).
    public mutating func consume(line: LineSplitter.Line, emit: (BankStatementRecord) throws -> Void) throws {
        lineNumber += 1
        let bytes = line.bytes
        if line.length > limits.maxValueBytes {
            lineProblem = limits.valueTooLong("line \(lineNumber)", bytes: Int64(line.length))
            lineCut = line.length
        } else if let offset = line.firstControlByte, offset < bytes.count {
            let column = ControlCharacters.column(ofByte: offset, in: bytes, isUTF8: decoder.encoding == .utf8)
            lineProblem = "line \(lineNumber) contains \(ControlCharacters.describe(bytes[offset])) at column \(column)"
        }
        defer {
            lineProblem = nil
            lineCut = nil
        }
        var utf8 = decoder.needsTranscoding(bytes) ? decoder.transcode(bytes, into: transcoded) : bytes
        if lineNumber == 1, utf8.count >= 3, utf8[0] == 0xEF, utf8[1] == 0xBB, utf8[2] == 0xBF {
            utf8 = UnsafeBufferPointer(rebasing: utf8[3...])
        }
        let text = String(decoding: utf8, as: UTF8.self)
        try consume(text, emit: emit)
    }

    private mutating func consume(_ text: String, emit: (BankStatementRecord) throws -> Void) throws {
        let trimmed = Self.trimmed(text)
        if trimmed.isEmpty { return }
        if case .unknown = framing { framing = trimmed.hasPrefix("{") ? .blocks(inside: false) : .plain }
        if trimmed.hasPrefix("{") {
            // `{1:…}{2:…}{4:` opens a message; other blocks (`{5:…}` trailers) carry nothing for us.
            guard let open = trimmed.range(of: "{4:") else { return }
            try completeField(emit: emit)
            try closeStatement(emit: emit)
            framing = .blocks(inside: true)
            let rest = String(trimmed[open.upperBound...])
            if !Self.trimmed(rest).isEmpty { try consumeContent(rest, emit: emit) }
            return
        }
        if trimmed.hasPrefix("-}") || trimmed == "-" {
            try completeField(emit: emit)
            try closeStatement(emit: emit)
            if case .blocks = framing { framing = .blocks(inside: false) }
            return
        }
        if case .blocks(inside: false) = framing { return }
        try consumeContent(text, emit: emit)
    }

    private mutating func consumeContent(_ text: String, emit: (BankStatementRecord) throws -> Void) throws {
        let raw = lineCut.map { text + "… (cut: \($0) bytes)" } ?? text
        if let found = Self.tag(of: text) {
            try completeField(emit: emit)
            field = Field(tag: found.tag, line: lineNumber, lines: [found.rest], raw: [raw], problem: lineProblem,
                          byteCount: found.rest.utf8.count, rawBytes: raw.utf8.count)
            sawField = true
        } else if field != nil {
            continueField(text, raw: raw)
        }
        // A line before the first field (`:940:`, a bank's title line) belongs to nothing.
    }

    /// A continuation line: appended while the field stays within the limits; past them the field gets a
    /// problem and only raw text (bounded) is kept for quarantine.
    private mutating func continueField(_ text: String, raw: String) {
        if field!.problem == nil {
            let bytes = field!.byteCount + text.utf8.count
            if let lineProblem {
                field!.problem = lineProblem
            } else if field!.raw.count >= Self.maxRawLines {
                field!.problem = "the field has more than \(Self.maxRawLines) lines (line \(lineNumber))"
            } else if bytes > limits.maxValueBytes {
                field!.problem = limits.valueTooLong("the field (to line \(lineNumber))", bytes: Int64(bytes),
                                                     atLeast: true)
            } else {
                field!.lines.append(text)
                field!.raw.append(raw)
                field!.byteCount = bytes
                field!.rawBytes += raw.utf8.count
                return
            }
        }
        guard field!.rawBytes < Self.maxRawBytes else { return }
        field!.raw.append(raw)
        field!.rawBytes += raw.utf8.count
    }

    /// `:NN[A]:` (and the common extension `:NS:`) at the start of a line → the tag and the text after it.
    static func tag(of line: String) -> (tag: String, rest: String)? {
        let bytes = Array(line.utf8.prefix(6))
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: ":") else { return nil }
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
        var end: Int
        if isDigit(bytes[1]), isDigit(bytes[2]) {
            end = 3
            if bytes.count > 4, isUpper(bytes[3]) { end = 4 }
        } else if bytes[1] == UInt8(ascii: "N"), bytes[2] == UInt8(ascii: "S") {
            end = 3
        } else {
            return nil
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ":") else { return nil }
        let tag = String(decoding: bytes[1..<end], as: UTF8.self)
        return (tag, String(decoding: line.utf8.dropFirst(end + 1), as: UTF8.self))
    }

    /// Ends the input: flushes the last statement; throws when the file holds no statement at all.
    public mutating func finish(emit: (BankStatementRecord) throws -> Void) throws {
        if case .blocks(inside: true) = framing, statement != nil, statement?.closing == nil {
            throw HubError(
                .malformedInput,
                "the file ends inside a message (no -} and no :62F: closing balance): it looks truncated",
                location: SourceLocation(source: source, line: lineNumber))
        }
        try completeField(emit: emit)
        try closeStatement(emit: emit)
        guard sawField else {
            throw HubError(.malformedInput, "not an MT940 statement: no :20: field in \(lineNumber) lines",
                           location: SourceLocation(source: source, line: 1))
        }
        guard sawReference else {
            throw HubError(.malformedInput, "not an MT940 statement: the file has no :20: (statement reference)",
                           location: SourceLocation(source: source, line: 1, field: ":20:"))
        }
        guard sawAccount else {
            throw HubError(.malformedInput, "the MT940 file has no :25: (account identification)",
                           location: SourceLocation(source: source, line: 1, field: ":25:"))
        }
    }

    // MARK: - Fields

    private mutating func completeField(emit: (BankStatementRecord) throws -> Void) throws {
        guard let field else { return }
        self.field = nil
        if let problem = field.problem { return try reject(field, problem: problem, emit: emit) }
        let value = Self.trimmed(field.lines[0])
        if field.tag == "20" {
            try closeStatement(emit: emit)
            statement = Statement(line: field.line, reference: value.isEmpty ? nil : value)
            sawReference = true
            return
        }
        if statement == nil { statement = Statement(line: field.line) }
        switch field.tag {
        case "25":
            Self.applyAccount(value, to: &statement!)
            sawAccount = statement!.account != nil
        case "28C", "28":
            statement!.sequence = value.isEmpty ? nil : value
        case "60F", "60M":
            try flushPending(emit: emit)
            try balance(field, role: .opening, emit: emit)
        case "62F", "62M":
            try flushPending(emit: emit)
            try balance(field, role: .closing, emit: emit)
        case "64":
            try flushPending(emit: emit)
            try balance(field, role: .available, emit: emit)
        case "65":
            try flushPending(emit: emit)
            try balance(field, role: .forward, emit: emit)
        case "61":
            try flushPending(emit: emit)
            let info = try statementInfo(field, currency: nil, emit: emit)
            switch MT940StatementLine.parse(field.lines, info: info, line: field.line) {
            case .success(let line):
                statement!.sum += line.isCredit ? line.amount.decimal : -line.amount.decimal
                pending = .line(line, raw: field.raw)
            case .failure(let problem):
                statement!.rejectedLines += 1
                pending = .rejected(RejectedSection(
                    kind: "line", line: field.line, reason: problem.reason, field: ":61:",
                    raw: field.raw.joined(separator: "\n")))
            }
        case "86":
            // After a `:61:` without details: that line's details. Anywhere else: statement information.
            switch pending {
            case .line(var line, let raw):
                MT940Details.parse(field.lines).apply(to: &line)
                pending = .line(line, raw: raw)
                try flushPending(emit: emit)
            case .rejected(var rejected):
                rejected.raw += "\n" + field.raw.joined(separator: "\n")
                pending = .rejected(rejected)
                try flushPending(emit: emit)
            case nil:
                break
            }
        default:
            break
        }
    }

    /// A field that cannot be read as a value: what it belongs to is quarantined, with the reason.
    private mutating func reject(_ field: Field, problem: String, emit: (BankStatementRecord) throws -> Void) throws {
        let reason = ":\(field.tag): \(problem)"
        let raw = Self.rawText(field.raw)
        switch field.tag {
        case "20", "25", "28C", "28":
            throw HubError(.malformedInput, "\(reason); the statement cannot be read without this field",
                           location: SourceLocation(source: source, line: field.line, field: ":\(field.tag):"))
        case "60F", "60M", "62F", "62M", "64", "65":
            if statement == nil { statement = Statement(line: field.line) }
            try flushPending(emit: emit)
            _ = try statementInfo(field, currency: nil, emit: emit)
            try emit(.rejected(RejectedSection(kind: "balance", line: field.line, reason: reason,
                                               field: ":\(field.tag):", raw: raw)))
        case "61":
            if statement == nil { statement = Statement(line: field.line) }
            try flushPending(emit: emit)
            _ = try statementInfo(field, currency: nil, emit: emit)
            statement!.rejectedLines += 1
            pending = .rejected(RejectedSection(kind: "line", line: field.line, reason: reason, field: ":61:", raw: raw))
        case "86":
            switch pending {
            case .line(let line, let lineRaw):
                // The line's amount was read, so it stays in the statement's sum (as camt keeps a rejected entry's
                // amount): the statement check still holds, and the mapper's balance shows the line missing.
                statement!.rejectedLines += 1
                pending = .rejected(RejectedSection(kind: "line", line: line.line, reason: reason, field: ":86:",
                                                    raw: Self.rawText(lineRaw) + "\n" + raw))
                try flushPending(emit: emit)
            case .rejected(var rejected):
                rejected.raw += "\n" + raw
                pending = .rejected(rejected)
                try flushPending(emit: emit)
            case nil:
                // Statement information: not stored anywhere, so nothing to quarantine.
                break
            }
        default:
            // Fields CRMHub does not read are skipped with or without a problem.
            break
        }
    }

    /// A field's lines for quarantine: joined with LF, control characters escaped (PostgreSQL cannot store NUL).
    static func rawText(_ lines: [String]) -> String {
        lines.joined(separator: "\n").escapingControlCharacters(limit: nil, keepingLineBreaks: true)
    }

    private mutating func flushPending(emit: (BankStatementRecord) throws -> Void) throws {
        guard let pending else { return }
        self.pending = nil
        switch pending {
        case .line(let line, _): try emit(.line(line))
        case .rejected(let rejected): try emit(.rejected(rejected))
        }
    }

    /// The statement's header, emitted the first time a balance or line needs it.
    private mutating func statementInfo(
        _ field: Field, currency: String?, emit: (BankStatementRecord) throws -> Void
    ) throws -> StatementInfo {
        if let info = statement!.info { return info }
        guard let account = statement!.account else {
            throw HubError(
                .malformedInput,
                "statement \(statement!.reference.map { "\"\($0.escapingControlCharacters())\" " } ?? "")has no :25: account before its :\(field.tag):",
                location: SourceLocation(source: source, line: field.line, field: ":25:"))
        }
        let info = StatementInfo(
            format: "MT940", messageID: statement!.reference, statementID: statement!.reference,
            sequenceNumber: statement!.sequence, account: account, currency: currency ?? statement!.accountCurrency,
            bankCode: statement!.bankCode, line: statement!.line)
        statement!.info = info
        try emit(.statement(info))
        return info
    }

    private mutating func balance(
        _ field: Field, role: StatementBalanceLine.Role, emit: (BankStatementRecord) throws -> Void
    ) throws {
        let value = Self.trimmed(field.lines.joined())
        guard let parsed = MT940Balance(value) else {
            _ = try statementInfo(field, currency: nil, emit: emit)
            try emit(.rejected(RejectedSection(
                kind: "balance", line: field.line,
                reason: ":\(field.tag): \"\(value.escapingControlCharacters(limit: 40))\" is not D/C mark, YYMMDD date, currency and amount",
                field: ":\(field.tag):", raw: field.raw.joined(separator: "\n"))))
            return
        }
        _ = try statementInfo(field, currency: parsed.currency, emit: emit)
        let signed = parsed.isCredit ? parsed.amount.decimal : -parsed.amount.decimal
        switch role {
        case .opening: statement!.opening = signed
        case .closing: statement!.closing = signed
        default: break
        }
        try emit(.balance(StatementBalanceLine(
            role: role, code: field.tag, amount: parsed.isCredit ? parsed.amount : ExactAmount(signed),
            currency: parsed.currency, date: parsed.date, line: field.line)))
    }

    /// Ends the statement: flushes its last line and checks opening + Σ lines = closing.
    private mutating func closeStatement(emit: (BankStatementRecord) throws -> Void) throws {
        try flushPending(emit: emit)
        guard let open = statement else { return }
        statement = nil
        if open.info == nil, let account = open.account {
            try emit(.statement(StatementInfo(
                format: "MT940", messageID: open.reference, statementID: open.reference,
                sequenceNumber: open.sequence, account: account, currency: open.accountCurrency,
                bankCode: open.bankCode, line: open.line)))
        }
        guard let opening = open.opening, let closing = open.closing, opening + open.sum != closing else { return }
        var reason = "statement \((open.reference ?? "").escapingControlCharacters()): closing balance \(closing.amountText) ≠ opening "
            + "\(opening.amountText) + lines \(open.sum.amountText)"
        if open.rejectedLines > 0 {
            reason += " (\(open.rejectedLines) :61: line\(open.rejectedLines == 1 ? " was" : "s were") rejected)"
        }
        try emit(.rejected(RejectedSection(
            kind: "statement", line: open.line, reason: reason, field: nil,
            raw: JSONText.object([
                (key: "statement", value: open.reference ?? ""), (key: "opening", value: opening.amountText),
                (key: "lines", value: open.sum.amountText), (key: "closing", value: closing.amountText),
            ]))))
    }

    /// `:25:` → account, bank code and currency: `01099/20208000500123456001` (MFO/account),
    /// `FICTUZ22/…` (BIC/account), `NL91ABNA0417164300EUR` (account + currency), or a plain account.
    static func applyAccount(_ value: String, to statement: inout Statement) {
        var text = Substring(value)
        let bytes = Array(text.utf8)
        if bytes.count > 3, bytes.suffix(3).allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) {
            let before = bytes[bytes.count - 4]
            if (before >= 0x30 && before <= 0x39) || before == 0x20 {
                statement.accountCurrency = String(text.suffix(3))
                text = text.dropLast(3)
            }
        }
        let trimmedText = trimmed(String(text))
        if let slash = trimmedText.firstIndex(of: "/") {
            let prefix = trimmed(String(trimmedText[..<slash]))
            statement.bankCode = prefix.isEmpty ? nil : prefix
            let account = trimmed(String(trimmedText[trimmedText.index(after: slash)...]))
            statement.account = account.isEmpty ? nil : account
        } else {
            statement.account = trimmedText.isEmpty ? nil : trimmedText
        }
    }

    /// Drops spaces and tabs at both ends.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(text[first...last])
    }
}

/// A balance field (`:60F:`, `:62F:`, `:64:`, `:65:`): `C250314UZS250000000,00`.
struct MT940Balance {
    var isCredit: Bool
    var date: CalendarDate
    var currency: String
    var amount: ExactAmount

    init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= 11 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "C"): isCredit = true
        case UInt8(ascii: "D"): isCredit = false
        default: return nil
        }
        guard let date = MT940StatementLine.date(bytes[1..<7]) else { return nil }
        let currency = bytes[7..<10]
        guard currency.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }),
              let amount = MT940StatementLine.amount(String(decoding: bytes[10...], as: UTF8.self))
        else { return nil }
        self.date = date
        self.currency = String(decoding: currency, as: UTF8.self)
        self.amount = amount
    }
}
