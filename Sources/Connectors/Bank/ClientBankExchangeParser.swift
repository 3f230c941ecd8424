import HubCore

/// Streaming parser for 1CClientBankExchange files (`kl_to_1c.txt` from the bank, `1c_to_kl.txt` from 1C).
///
/// Push-based: feed it lines (from `LineSplitter`) and it emits records as sections close, so a file of any
/// size is parsed with memory bounded by its largest section. Keys are matched case-insensitively and split on
/// the first `=` only. A section that cannot be read (a line without `=`, a bad amount or date, a missing
/// `КонецДокумента`) is emitted as `.rejected` with its raw text and the rest of the file goes on; so is the
/// section a cut-off file stops in. A file that is not this format throws.
///
/// Input limits: a line that holds a control character (NUL, ESC, … — C0 other than tab) or is longer than
/// `InputLimits.maxValueBytes` makes its section `.rejected` with the line, the column and the reason; its value
/// is never stored, changed or passed on (a header line of that kind is rejected on its own). Raw text kept
/// for quarantine shows such characters as visible escapes (`\0`, `\u{1B}`), since PostgreSQL cannot store NUL.
///
/// Works on UTF-8 bytes: keys are lower-cased and looked up without building strings, and only values become
/// `String`s (see `ByteKeyTable` for why).
public struct ClientBankExchangeParser {
    public let source: String
    public let limits: InputLimits
    private let decoder: LineDecoder
    /// The current line transcoded to UTF-8 (reused).
    private let transcoded = ScratchBuffer()
    public private(set) var lineNumber = 0
    private var state = State.expectMarker
    private var header = StatementHeader()
    private var headerEmitted = false
    private var section = SectionBuffer()
    private var trailer = SectionBuffer()
    private var lowered: [UInt8] = []
    /// What is wrong with the line being handled, if anything (set by `consume`, read by `handle`).
    private var lineProblem: LineProblem?

    enum LineProblem {
        /// Longer than `limits.maxValueBytes`: only a preview of it is at hand.
        case overlong(length: Int)
        /// A control byte at a 1-based character column.
        case control(byte: UInt8, column: Int)
    }

    /// Keeps quarantined raw text bounded even for a section that never ends.
    static let maxRawBytes = 64 * 1024

    enum State {
        case expectMarker, header, balance, document, ended
    }

    struct SectionBuffer {
        var kind = ""
        var startLine = 0
        /// Typed document fields by `ClientBankKey` raw value; balance fields use the same slots by key.
        var values: [String?] = Array(repeating: nil, count: ClientBankKey.allCases.count)
        var other: [(key: String, value: String)] = []
        var raw: [UInt8] = []
        var problem: (reason: String, field: String?)?
        var isEmpty = true

        mutating func reset(kind: String, line: Int) {
            self.kind = kind
            startLine = line
            for index in values.indices { values[index] = nil }
            other.removeAll(keepingCapacity: true)
            raw.removeAll(keepingCapacity: true)
            problem = nil
            isEmpty = false
        }

        mutating func keepRaw(_ line: UnsafeBufferPointer<UInt8>, problem: LineProblem? = nil) {
            guard raw.count < ClientBankExchangeParser.maxRawBytes else { return }
            if !raw.isEmpty { raw.append(0x0A) }
            raw.append(contentsOf: line)
            if case .overlong(let length) = problem { raw.append(contentsOf: Array("… (cut: \(length) bytes)".utf8)) }
        }

        /// Control characters escaped: the raw text goes to PostgreSQL, which cannot store NUL.
        var rawText: String {
            String(decoding: raw, as: UTF8.self).escapingControlCharacters(limit: nil, keepingLineBreaks: true)
        }

        func value(_ key: ClientBankKey) -> String? { values[key.rawValue] }
    }

    public init(encoding: TextEncoding, source: String, limits: InputLimits = .default) {
        self.decoder = LineDecoder(encoding: encoding)
        self.source = source
        self.limits = limits
    }

    /// Feeds one line (without its line break), looking for control bytes and the length limit itself.
    public mutating func consume(
        line bytes: UnsafeBufferPointer<UInt8>, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        let kept = UnsafeBufferPointer(rebasing: bytes.prefix(
            bytes.count > limits.maxValueBytes ? LineSplitter.overlongPreviewBytes : bytes.count))
        try consume(line: LineSplitter.Line(bytes: kept, length: bytes.count,
                                            firstControlByte: ControlCharacters.firstDisallowed(in: bytes)),
                    emit: emit)
    }

    /// Feeds one line from `LineSplitter` (which has found its control bytes and cut it if overlong).
    public mutating func consume(
        line: LineSplitter.Line, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        lineNumber += 1
        let bytes = line.bytes
        if line.length > limits.maxValueBytes {
            lineProblem = .overlong(length: line.length)
        } else if let offset = line.firstControlByte, offset < bytes.count {
            lineProblem = .control(byte: bytes[offset], column: ControlCharacters.column(
                ofByte: offset, in: bytes, isUTF8: decoder.encoding == .utf8))
        }
        defer { lineProblem = nil }
        guard decoder.needsTranscoding(bytes) else { return try consumeUTF8(bytes, emit: emit) }
        try consumeUTF8(decoder.transcode(bytes, into: transcoded), emit: emit)
    }

    /// The reason a line with a problem is quarantined; `key` names the field when the line has one.
    private func describe(_ problem: LineProblem, key: String?) -> String {
        let what = "line \(lineNumber)" + (key.map { " (\($0.escapingControlCharacters(limit: 40)))" } ?? "")
        switch problem {
        case .overlong(let length): return limits.valueTooLong(what, bytes: Int64(length))
        case .control(let byte, let column): return "\(what) contains \(ControlCharacters.describe(byte)) at column \(column)"
        }
    }

    private mutating func consumeUTF8(
        _ utf8: UnsafeBufferPointer<UInt8>, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        var line = Self.trimmed(utf8)
        if lineNumber == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
            line = Self.trimmed(UnsafeBufferPointer(rebasing: line[3...]))
        }
        if line.isEmpty { return }
        try handle(line, emit: emit)
    }

    /// Ends the input. A file that stopped before `КонецФайла` (an interrupted download) keeps its complete
    /// sections; the one it stops in, or the missing end itself, is emitted as `.rejected`.
    public mutating func finish(emit: (ClientBankExchangeRecord) throws -> Void) throws {
        switch state {
        case .expectMarker:
            throw HubError(.malformedInput, "the file is empty: expected the first line 1CClientBankExchange",
                           location: SourceLocation(source: source, line: 1))
        case .ended:
            if !trailer.isEmpty {
                try emit(.rejected(RejectedSection(
                    kind: "trailer", line: trailer.startLine, reason: "text after КонецФайла", field: nil,
                    raw: trailer.rawText)))
            }
        case .document, .balance:
            // An interrupted download: the sections before are whole and load; the one the file stops in is set
            // aside with its first line. When the whole file arrives later, the overlap rules add what is new.
            let what = state == .document ? "document" : "balance"
            try emit(.rejected(RejectedSection(
                kind: what, line: section.startLine,
                reason: "the file ends inside this \(what) (at line \(lineNumber), with no "
                    + "\(state == .document ? "КонецДокумента" : "КонецРасчСчет") and no КонецФайла): the file looks "
                    + "cut off; the complete sections before it were loaded",
                field: nil, raw: section.rawText)))
        case .header:
            // Cut off between sections, or a header alone: what was read is whole; say that the end is missing.
            try emit(.rejected(RejectedSection(
                kind: "trailer", line: lineNumber,
                reason: "the file ends without КонецФайла (after line \(lineNumber)): it looks cut off; the "
                    + "complete sections before it were loaded",
                field: nil, raw: "")))
        }
    }

    // MARK: - State machine

    private mutating func handle(
        _ line: UnsafeBufferPointer<UInt8>, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        let equals = line.firstIndex(of: UInt8(ascii: "="))
        let keyBytes = Self.trimmed(UnsafeBufferPointer(rebasing: line[..<(equals ?? line.count)]))
        let key = lookUp(keyBytes)
        let problem = lineProblem
        let reason = problem.map { describe($0, key: equals == nil ? nil : key?.spelling ?? Self.text(keyBytes)) }

        if state == .expectMarker {
            guard equals == nil, key == .fileStart, problem == nil else {
                var quoted = "\"\(Self.text(line).escapingControlCharacters(limit: 60))\""
                if case .overlong(let length) = problem { quoted += " (\(length) bytes without a line end)" }
                throw HubError(.malformedInput, "not a 1CClientBankExchange file: the first line is \(quoted)",
                               location: SourceLocation(source: source, line: lineNumber))
            }
            state = .header
            return
        }
        if state == .ended {
            if trailer.isEmpty { trailer.reset(kind: "trailer", line: lineNumber) }
            trailer.keepRaw(line, problem: problem)
            return
        }
        if let equals {
            let value = Self.trimmed(UnsafeBufferPointer(rebasing: line[(equals + 1)...]))
            if key == .documentStart {
                try closeOpenSection(before: lineNumber, emit: emit)
                try emitHeaderIfNeeded(emit)
                section.reset(kind: Self.text(value), line: lineNumber)
                section.keepRaw(line, problem: problem)
                if let reason { section.problem = (reason, nil) }
                state = .document
                return
            }
            if let reason, state == .header {
                // A header value is never stored changed: the line is set aside and the header goes on without it.
                return try emit(.rejected(RejectedSection(
                    kind: "header", line: lineNumber, reason: reason, field: key?.spelling,
                    raw: Self.rawText(line, problem: problem))))
            }
            if let reason, state == .document || state == .balance {
                section.keepRaw(line, problem: problem)
                if section.problem == nil { section.problem = (reason, key?.spelling) }
                return
            }
            switch state {
            case .header:
                let keyText = Self.text(keyBytes)
                let valueText = Self.text(value)
                header.fields.append((keyText, valueText))
                if let key { applyHeaderField(key, valueText) }
            case .document:
                section.keepRaw(line)
                if let key, key.rawValue < ClientBankKey.documentSlotCount, section.values[key.rawValue] == nil {
                    // An empty value means "not given"; `Код=0` is the format's way of saying empty too.
                    if !value.isEmpty, !(key == .paymentID && value.count == 1 && value[0] == UInt8(ascii: "0")) {
                        section.values[key.rawValue] = Self.text(value)
                    }
                } else {
                    section.other.append((Self.text(keyBytes), Self.text(value)))
                }
            case .balance:
                section.keepRaw(line)
                if let key, section.values[key.rawValue] == nil, !value.isEmpty {
                    section.values[key.rawValue] = Self.text(value)
                }
            case .expectMarker, .ended:
                break
            }
            return
        }
        // A line without '=' is a marker or a defect.
        switch key {
        case .documentEnd:
            guard state == .document else { return try rejectStray(line, reason: reason, emit: emit) }
            section.keepRaw(line)
            try emit(closeDocument())
            state = .header
        case .balanceEnd:
            guard state == .balance else { return try rejectStray(line, reason: reason, emit: emit) }
            section.keepRaw(line)
            try emit(closeBalance())
            state = .header
        case .balanceStart:
            try closeOpenSection(before: lineNumber, emit: emit)
            try emitHeaderIfNeeded(emit)
            section.reset(kind: "balance", line: lineNumber)
            section.keepRaw(line)
            state = .balance
        case .fileEnd:
            try closeOpenSection(before: lineNumber, emit: emit)
            try emitHeaderIfNeeded(emit)
            state = .ended
        default:
            switch state {
            case .balance, .document:
                section.keepRaw(line, problem: problem)
                if section.problem == nil {
                    section.problem = (reason ?? "line \(lineNumber) has no '=': \"\(Self.quoted(line))\"", nil)
                }
            default:
                try rejectStray(line, reason: reason, emit: emit)
            }
        }
    }

    private mutating func lookUp(_ key: UnsafeBufferPointer<UInt8>) -> ClientBankKey? {
        guard key.count <= 64 else { return nil }
        if let id = ClientBankKey.exactTable.id(of: key) { return ClientBankKey(rawValue: id) }
        Self.lowercase(key, into: &lowered)
        return lowered.withUnsafeBufferPointer { ClientBankKey.table.id(of: $0) }.flatMap(ClientBankKey.init(rawValue:))
    }

    private mutating func rejectStray(
        _ line: UnsafeBufferPointer<UInt8>, reason: String?, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        try emit(.rejected(RejectedSection(
            kind: "header", line: lineNumber,
            reason: reason ?? "line \(lineNumber) is neither Key=Value nor a section marker: \"\(Self.quoted(line))\"",
            field: nil, raw: Self.rawText(line, problem: lineProblem))))
    }

    /// A new section (or the end) arrived while one was still open: its closing marker is missing.
    private mutating func closeOpenSection(
        before line: Int, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        switch state {
        case .document:
            try emit(.rejected(RejectedSection(
                kind: "document", line: section.startLine,
                reason: "document has no КонецДокумента (the next marker is at line \(line))",
                field: nil, raw: section.rawText)))
        case .balance:
            try emit(.rejected(RejectedSection(
                kind: "balance", line: section.startLine,
                reason: "balance section has no КонецРасчСчет (the next marker is at line \(line))",
                field: nil, raw: section.rawText)))
        default:
            return
        }
        state = .header
    }

    private mutating func emitHeaderIfNeeded(_ emit: (ClientBankExchangeRecord) throws -> Void) throws {
        guard !headerEmitted else { return }
        headerEmitted = true
        try emit(.header(header))
    }

    private mutating func applyHeaderField(_ key: ClientBankKey, _ text: String) {
        let value = text.isEmpty ? nil : text
        switch key {
        case .formatVersion: header.formatVersion = value
        case .encoding: header.declaredEncoding = value
        case .sender: header.sender = value
        case .payeeCombined: header.receiver = value
        case .createdOn: header.createdOn = value.flatMap { CalendarDate(dottedDMY: $0) }
        case .createdAt: header.createdAt = value
        case .periodStart: header.periodStart = value.flatMap { CalendarDate(dottedDMY: $0) }
        case .periodEnd: header.periodEnd = value.flatMap { CalendarDate(dottedDMY: $0) }
        case .account: if let value { header.accounts.append(value) }
        case .documentKind: if let value { header.documentKinds.append(value) }
        default: break
        }
    }

    // MARK: - Sections to records

    private func reject(_ reason: String, field: ClientBankKey? = nil) -> ClientBankExchangeRecord {
        reject(reason, fieldName: field?.spelling)
    }

    private func reject(_ reason: String, fieldName: String?) -> ClientBankExchangeRecord {
        .rejected(RejectedSection(kind: section.kind == "balance" ? "balance" : "document",
                                  line: section.startLine, reason: reason, field: fieldName,
                                  raw: section.rawText))
    }

    private struct Rejection: Error {
        var reason: String
        var field: ClientBankKey
    }

    private func date(_ key: ClientBankKey) throws(Rejection) -> CalendarDate? {
        guard let text = section.value(key) else { return nil }
        guard let date = CalendarDate(dottedDMY: text) else {
            throw Rejection(reason: "\(key.spelling) \"\(text.escapingControlCharacters())\" is not a date (dd.mm.yyyy)",
                            field: key)
        }
        return date
    }

    private func amount(_ key: ClientBankKey) throws(Rejection) -> ExactAmount? {
        guard let text = section.value(key) else { return nil }
        guard let amount = ExactAmount(parsing: text) else {
            throw Rejection(reason: "\(key.spelling) \"\(text.escapingControlCharacters())\" is not a number", field: key)
        }
        return amount
    }

    private func closeBalance() -> ClientBankExchangeRecord {
        if let problem = section.problem { return reject(problem.reason, fieldName: problem.field) }
        do throws(Rejection) {
            guard let account = section.value(.account) else {
                return reject("balance section has no РасчСчет", field: .account)
            }
            guard let start = try date(.periodStart) else {
                return reject("balance section has no ДатаНачала", field: .periodStart)
            }
            let end = try date(.periodEnd) ?? start
            guard let opening = try amount(.opening) else {
                return reject("balance section has no НачальныйОстаток", field: .opening)
            }
            let zero = ExactAmount(parsing: "0")!
            let credited = try amount(.credited) ?? zero
            let debited = try amount(.debited) ?? zero
            let expected = opening.decimal + credited.decimal - debited.decimal
            let closing = try amount(.closing) ?? ExactAmount(expected)
            guard closing.decimal == expected else {
                return reject(
                    "balance does not add up: \(opening) + \(credited) − \(debited) = \(ExactAmount(expected)), "
                        + "but КонечныйОстаток is \(closing)", field: .closing)
            }
            return .balance(StatementBalance(
                account: account, periodStart: start, periodEnd: end, opening: opening, credited: credited,
                debited: debited, closing: closing, line: section.startLine))
        } catch {
            return reject(error.reason, field: error.field)
        }
    }

    private func closeDocument() -> ClientBankExchangeRecord {
        if let problem = section.problem { return reject(problem.reason, fieldName: problem.field) }
        let date: CalendarDate
        let amount: ExactAmount
        let writtenOffOn: CalendarDate?
        let creditedOn: CalendarDate?
        do throws(Rejection) {
            guard let documentDate = try self.date(.date) else { return reject("document has no Дата", field: .date) }
            guard let documentAmount = try self.amount(.amount) else {
                return reject("document has no Сумма", field: .amount)
            }
            date = documentDate
            amount = documentAmount
            writtenOffOn = try self.date(.writtenOffOn)
            creditedOn = try self.date(.creditedOn)
        } catch {
            return reject(error.reason, field: error.field)
        }
        var payer = PaymentParty(
            account: section.value(.payerAccount), checkingAccount: section.value(.payerCheckingAccount),
            taxID: section.value(.payerINN), name: section.value(.payerName),
            bankName: section.value(.payerBankName), bankCode: section.value(.payerBankCode))
        var payee = PaymentParty(
            account: section.value(.payeeAccount), checkingAccount: section.value(.payeeCheckingAccount),
            taxID: section.value(.payeeINN), name: section.value(.payeeName),
            bankName: section.value(.payeeBankName), bankCode: section.value(.payeeBankCode))
        Self.fillFromCombined(&payer, section.value(.payerCombined))
        Self.fillFromCombined(&payee, section.value(.payeeCombined))
        var other = section.other
        let purposeLines: [ClientBankKey] = [.purpose1, .purpose2, .purpose3, .purpose4, .purpose5, .purpose6]
        var purpose = section.value(.purpose)
        if purpose == nil {
            let lines = purposeLines.compactMap { section.value($0) }
            if !lines.isEmpty { purpose = lines.joined(separator: " ") }
        } else {
            for key in purposeLines { if let line = section.value(key) { other.append((key.spelling, line)) } }
        }
        return .document(StatementDocument(
            kind: section.kind, number: section.value(.number) ?? "", date: date, amount: amount, payer: payer,
            payee: payee, writtenOffOn: writtenOffOn, creditedOn: creditedOn,
            operationKind: section.value(.operationKind), priority: section.value(.priority),
            paymentID: section.value(.paymentID), supplierInvoiceNumber: section.value(.supplierInvoiceNumber),
            purpose: purpose, otherFields: other, line: section.startLine))
    }

    /// `Плательщик=ИНН 207654321 ООО «…»` duplicates the split fields; use it where they are empty.
    static func fillFromCombined(_ party: inout PaymentParty, _ combined: String?) {
        guard let combined, party.taxID == nil || party.name == nil else { return }
        var rest = Substring(combined)
        if rest.lowercased().hasPrefix("инн") {
            rest = rest.dropFirst(3).drop(while: { $0 == " " })
            let digits = rest.prefix(while: { $0.isNumber })
            if party.taxID == nil, !digits.isEmpty { party.taxID = String(digits) }
            rest = rest.dropFirst(digits.count).drop(while: { $0 == " " })
        }
        if party.name == nil, !rest.isEmpty { party.name = String(rest) }
    }

    // MARK: - Byte helpers

    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A line quoted in a message: control characters escaped, cut to 80 characters.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        text(UnsafeBufferPointer(rebasing: bytes.prefix(4 * 80))).escapingControlCharacters()
    }

    /// One line as raw text for quarantine: control characters escaped, an overlong line marked as cut.
    static func rawText(_ bytes: UnsafeBufferPointer<UInt8>, problem: LineProblem?) -> String {
        var text = text(bytes).escapingControlCharacters(limit: nil, keepingLineBreaks: true)
        if case .overlong(let length) = problem { text += "… (cut: \(length) bytes)" }
        return text
    }

    /// Drops spaces and tabs at both ends (values such as `статус: Внешний ` carry trailing blanks).
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// Lower-cases ASCII and Russian Cyrillic (А–Я, Ё) in UTF-8, the letters 1C keys are written in.
    static func lowercase(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x41, byte <= 0x5A {
                out.append(byte + 0x20)
            } else if byte == 0xD0, index + 1 < bytes.count {
                let next = bytes[index + 1]
                switch next {
                case 0x90...0x9F: out.append(0xD0); out.append(next + 0x20)       // А–П → а–п
                case 0xA0...0xAF: out.append(0xD1); out.append(next - 0x20)       // Р–Я → р–я
                case 0x81: out.append(0xD1); out.append(0x91)                     // Ё → ё
                default: out.append(byte); out.append(next)
                }
                index += 1
            } else {
                out.append(byte)
            }
            index += 1
        }
    }
}
