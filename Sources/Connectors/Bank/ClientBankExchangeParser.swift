import HubCore

/// Streaming parser for 1CClientBankExchange files (`kl_to_1c.txt` from the bank, `1c_to_kl.txt` from 1C).
///
/// Push-based: feed it lines (from `LineSplitter`) and it emits records as sections close, so a file of any
/// size is parsed with memory bounded by its largest section. Keys are matched case-insensitively and split on
/// the first `=` only. A section that cannot be read (a line without `=`, a bad amount or date, a missing
/// `КонецДокумента`) is emitted as `.rejected` with its raw text and the rest of the file goes on; a file that
/// is not this format, or is cut off before `КонецФайла`, throws.
public struct ClientBankExchangeParser {
    public let source: String
    private var decoder: LineDecoder
    public private(set) var lineNumber = 0
    private var state = State.expectMarker
    private var header = StatementHeader()
    private var headerEmitted = false
    private var section = SectionBuffer()
    private var trailer = SectionBuffer()

    /// Keeps quarantined raw text bounded even for a section that never ends.
    static let maxRawBytes = 64 * 1024

    enum State {
        case expectMarker, header, balance, document, ended
    }

    struct SectionBuffer {
        var kind = ""
        var startLine = 0
        var fields: [(key: String, value: String)] = []
        var rawLines: [String] = []
        var rawBytes = 0
        var problem: (reason: String, field: String?)?

        mutating func reset(kind: String, line: Int) {
            self.kind = kind
            startLine = line
            fields.removeAll(keepingCapacity: true)
            rawLines.removeAll(keepingCapacity: true)
            rawBytes = 0
            problem = nil
        }

        mutating func keepRaw(_ line: String) {
            guard rawBytes < ClientBankExchangeParser.maxRawBytes else { return }
            rawBytes += line.utf8.count + 1
            rawLines.append(line)
        }

        var raw: String { rawLines.joined(separator: "\n") }
    }

    public init(encoding: TextEncoding, source: String) {
        self.decoder = LineDecoder(encoding: encoding)
        self.source = source
    }

    /// Feeds one line (without its line break).
    public mutating func consume(
        line bytes: UnsafeBufferPointer<UInt8>, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        lineNumber += 1
        var text = decoder.decode(bytes)
        if lineNumber == 1, text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        let line = Self.trimmed(text)
        if line.isEmpty { return }
        try handle(line, emit: emit)
    }

    /// Ends the input. Throws when the file stopped before `КонецФайла` (a truncated download).
    public mutating func finish(emit: (ClientBankExchangeRecord) throws -> Void) throws {
        switch state {
        case .expectMarker:
            throw HubError(.malformedInput, "the file is empty: expected the first line 1CClientBankExchange",
                           location: SourceLocation(source: source, line: 1))
        case .ended:
            if !trailer.rawLines.isEmpty {
                try emit(.rejected(RejectedSection(
                    kind: "trailer", line: trailer.startLine, reason: "text after КонецФайла", field: nil,
                    raw: trailer.raw)))
            }
        case .header, .balance, .document:
            throw HubError(
                .malformedInput,
                "the file ends without КонецФайла at line \(lineNumber): it looks truncated, so none of it is loaded",
                location: SourceLocation(source: source, line: lineNumber))
        }
    }

    // MARK: - State machine

    private mutating func handle(_ line: String, emit: (ClientBankExchangeRecord) throws -> Void) throws {
        let split = Self.splitKeyValue(line)
        if state == .expectMarker {
            let marker = line.lowercased()
            guard marker == "1cclientbankexchange" || marker == "1сclientbankexchange" else {
                throw HubError(.malformedInput,
                               "not a 1CClientBankExchange file: the first line is \"\(line.prefix(60))\"",
                               location: SourceLocation(source: source, line: lineNumber))
            }
            state = .header
            return
        }
        if state == .ended {
            if trailer.rawLines.isEmpty { trailer.reset(kind: "trailer", line: lineNumber) }
            trailer.keepRaw(line)
            return
        }
        if let (key, value) = split {
            if Self.isMarker(key, "СекцияДокумент") {
                try closeOpenSection(reason: "КонецДокумента", before: lineNumber, emit: emit)
                try emitHeaderIfNeeded(emit)
                section.reset(kind: value, line: lineNumber)
                section.keepRaw(line)
                state = .document
                return
            }
            switch state {
            case .header:
                header.fields.append((key, value))
                applyHeaderField(key, value)
            case .balance, .document:
                section.fields.append((key, value))
                section.keepRaw(line)
            case .expectMarker, .ended:
                break
            }
            return
        }
        // A line without '=' is a marker or a defect.
        if Self.isMarker(line, "КонецДокумента") {
            guard state == .document else { return try rejectStray(line, emit: emit) }
            section.keepRaw(line)
            try emit(closeDocument())
            state = .header
        } else if Self.isMarker(line, "КонецРасчСчет") {
            guard state == .balance else { return try rejectStray(line, emit: emit) }
            section.keepRaw(line)
            try emit(closeBalance())
            state = .header
        } else if Self.isMarker(line, "СекцияРасчСчет") {
            try closeOpenSection(reason: "КонецРасчСчет", before: lineNumber, emit: emit)
            try emitHeaderIfNeeded(emit)
            section.reset(kind: "balance", line: lineNumber)
            section.keepRaw(line)
            state = .balance
        } else if Self.isMarker(line, "КонецФайла") {
            try closeOpenSection(reason: "end marker", before: lineNumber, emit: emit)
            try emitHeaderIfNeeded(emit)
            state = .ended
        } else {
            switch state {
            case .balance, .document:
                section.keepRaw(line)
                if section.problem == nil {
                    section.problem = ("line \(lineNumber) has no '=': \"\(line.prefix(80))\"", nil)
                }
            default:
                try rejectStray(line, emit: emit)
            }
        }
    }

    private mutating func rejectStray(_ line: String, emit: (ClientBankExchangeRecord) throws -> Void) throws {
        try emit(.rejected(RejectedSection(
            kind: "header", line: lineNumber,
            reason: "line \(lineNumber) is neither Key=Value nor a section marker: \"\(line.prefix(80))\"",
            field: nil, raw: line)))
    }

    /// A new section (or the end) arrived while one was still open: its closing marker is missing.
    private mutating func closeOpenSection(
        reason marker: String, before line: Int, emit: (ClientBankExchangeRecord) throws -> Void
    ) throws {
        switch state {
        case .document:
            try emit(.rejected(RejectedSection(
                kind: "document", line: section.startLine,
                reason: "document has no КонецДокумента (the next marker is at line \(line))",
                field: nil, raw: section.raw)))
        case .balance:
            try emit(.rejected(RejectedSection(
                kind: "balance", line: section.startLine,
                reason: "balance section has no КонецРасчСчет (the next marker is at line \(line))",
                field: nil, raw: section.raw)))
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

    private mutating func applyHeaderField(_ key: String, _ value: String) {
        let value = value.isEmpty ? nil : value
        switch key.lowercased() {
        case "версияформата": header.formatVersion = value
        case "кодировка": header.declaredEncoding = value
        case "отправитель": header.sender = value
        case "получатель": header.receiver = value
        case "датасоздания": header.createdOn = value.flatMap { CalendarDate(dottedDMY: $0) }
        case "времясоздания": header.createdAt = value
        case "датаначала": header.periodStart = value.flatMap { CalendarDate(dottedDMY: $0) }
        case "датаконца": header.periodEnd = value.flatMap { CalendarDate(dottedDMY: $0) }
        case "расчсчет": if let value { header.accounts.append(value) }
        case "документ": if let value { header.documentKinds.append(value) }
        default: break
        }
    }

    // MARK: - Sections to records

    private func reject(_ reason: String, field: String? = nil) -> ClientBankExchangeRecord {
        .rejected(RejectedSection(kind: section.kind == "balance" ? "balance" : "document",
                                  line: section.startLine, reason: reason, field: field, raw: section.raw))
    }

    private func closeBalance() -> ClientBankExchangeRecord {
        if let problem = section.problem { return reject(problem.reason, field: problem.field) }
        var values: [String: String] = [:]
        for (key, value) in section.fields where !value.isEmpty { values[key.lowercased()] = value }
        func date(_ key: String, _ name: String) -> Result<CalendarDate?, RejectReason> {
            guard let text = values[key] else { return .success(nil) }
            guard let date = CalendarDate(dottedDMY: text) else {
                return .failure(RejectReason("\(name) \"\(text)\" is not a date (dd.mm.yyyy)", name))
            }
            return .success(date)
        }
        func amount(_ key: String, _ name: String) -> Result<ExactAmount?, RejectReason> {
            guard let text = values[key] else { return .success(nil) }
            guard let amount = ExactAmount(parsing: text) else {
                return .failure(RejectReason("\(name) \"\(text)\" is not a number", name))
            }
            return .success(amount)
        }
        do throws(RejectReason) {
            guard let account = values["расчсчет"] else { return reject("balance section has no РасчСчет", field: "РасчСчет") }
            guard let start = try date("датаначала", "ДатаНачала").get() else {
                return reject("balance section has no ДатаНачала", field: "ДатаНачала")
            }
            let end = try date("датаконца", "ДатаКонца").get() ?? start
            guard let opening = try amount("начальныйостаток", "НачальныйОстаток").get() else {
                return reject("balance section has no НачальныйОстаток", field: "НачальныйОстаток")
            }
            let zero = ExactAmount(parsing: "0")!
            let credited = try amount("всегопоступило", "ВсегоПоступило").get() ?? zero
            let debited = try amount("всегосписано", "ВсегоСписано").get() ?? zero
            let expected = opening.decimal + credited.decimal - debited.decimal
            let closing = try amount("конечныйостаток", "КонечныйОстаток").get() ?? ExactAmount(expected)
            guard closing.decimal == expected else {
                return reject(
                    "balance does not add up: \(opening) + \(credited) − \(debited) = \(ExactAmount(expected)), "
                        + "but КонечныйОстаток is \(closing)", field: "КонечныйОстаток")
            }
            return .balance(StatementBalance(
                account: account, periodStart: start, periodEnd: end, opening: opening, credited: credited,
                debited: debited, closing: closing, line: section.startLine))
        } catch {
            return reject(error.reason, field: error.field)
        }
    }

    private func closeDocument() -> ClientBankExchangeRecord {
        if let problem = section.problem { return reject(problem.reason, field: problem.field) }
        var number: String?
        var dateText: String?
        var amountText: String?
        var payer = PaymentParty()
        var payee = PaymentParty()
        var payerCombined: String?
        var payeeCombined: String?
        var writtenOffText: String?
        var creditedText: String?
        var operationKind: String?
        var priority: String?
        var paymentID: String?
        var supplierInvoiceNumber: String?
        var purpose: String?
        var purposeLines: [(Int, String)] = []
        var other: [(key: String, value: String)] = []
        var seen = Set<String>()

        for (key, rawValue) in section.fields {
            guard let field = ClientBankField.named(key), seen.insert(key.lowercased()).inserted else {
                other.append((key, rawValue))
                continue
            }
            let value: String? = rawValue.isEmpty ? nil : rawValue
            switch field {
            case .number: number = value
            case .date: dateText = value
            case .amount: amountText = value
            case .payerAccount: payer.account = value
            case .payerCombined: payerCombined = value
            case .payerINN: payer.taxID = value
            case .payerName: payer.name = value
            case .payerCheckingAccount: payer.checkingAccount = value
            case .payerBankName: payer.bankName = value
            case .payerBankCode: payer.bankCode = value
            case .payeeAccount: payee.account = value
            case .payeeCombined: payeeCombined = value
            case .payeeINN: payee.taxID = value
            case .payeeName: payee.name = value
            case .payeeCheckingAccount: payee.checkingAccount = value
            case .payeeBankName: payee.bankName = value
            case .payeeBankCode: payee.bankCode = value
            case .writtenOffOn: writtenOffText = value
            case .creditedOn: creditedText = value
            case .operationKind: operationKind = value
            case .priority: priority = value
            case .paymentID: paymentID = value == "0" ? nil : value
            case .supplierInvoiceNumber: supplierInvoiceNumber = value
            case .purpose: purpose = value
            case .purposeLine(let index): if let value { purposeLines.append((index, value)) }
            }
        }

        guard let dateText else { return reject("document has no Дата", field: "Дата") }
        guard let date = CalendarDate(dottedDMY: dateText) else {
            return reject("Дата \"\(dateText)\" is not a date (dd.mm.yyyy)", field: "Дата")
        }
        guard let amountText else { return reject("document has no Сумма", field: "Сумма") }
        guard let amount = ExactAmount(parsing: amountText) else {
            return reject("Сумма \"\(amountText)\" is not a number", field: "Сумма")
        }
        var writtenOffOn: CalendarDate?
        if let writtenOffText {
            guard let parsed = CalendarDate(dottedDMY: writtenOffText) else {
                return reject("ДатаСписано \"\(writtenOffText)\" is not a date (dd.mm.yyyy)", field: "ДатаСписано")
            }
            writtenOffOn = parsed
        }
        var creditedOn: CalendarDate?
        if let creditedText {
            guard let parsed = CalendarDate(dottedDMY: creditedText) else {
                return reject("ДатаПоступило \"\(creditedText)\" is not a date (dd.mm.yyyy)", field: "ДатаПоступило")
            }
            creditedOn = parsed
        }
        Self.fillFromCombined(&payer, payerCombined)
        Self.fillFromCombined(&payee, payeeCombined)
        if purpose == nil, !purposeLines.isEmpty {
            purpose = purposeLines.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: " ")
        } else if purpose != nil {
            for (index, line) in purposeLines { other.append(("НазначениеПлатежа\(index)", line)) }
        }
        return .document(StatementDocument(
            kind: section.kind, number: number ?? "", date: date, amount: amount, payer: payer, payee: payee,
            writtenOffOn: writtenOffOn, creditedOn: creditedOn, operationKind: operationKind, priority: priority,
            paymentID: paymentID, supplierInvoiceNumber: supplierInvoiceNumber, purpose: purpose,
            otherFields: other, line: section.startLine))
    }

    /// `Плательщик=ИНН 207654321 ООО «…»` duplicates the split fields; use it where they are empty.
    static func fillFromCombined(_ party: inout PaymentParty, _ combined: String?) {
        guard let combined else { return }
        var rest = Substring(combined)
        if rest.lowercased().hasPrefix("инн") {
            rest = rest.dropFirst(3).drop(while: { $0 == " " })
            let digits = rest.prefix(while: { $0.isNumber })
            if party.taxID == nil, !digits.isEmpty { party.taxID = String(digits) }
            rest = rest.dropFirst(digits.count).drop(while: { $0 == " " })
        }
        if party.name == nil, !rest.isEmpty { party.name = String(rest) }
    }

    // MARK: - Lexing helpers

    struct RejectReason: Error {
        var reason: String
        var field: String?
        init(_ reason: String, _ field: String?) {
            self.reason = reason
            self.field = field
        }
    }

    static func isMarker(_ text: String, _ marker: String) -> Bool {
        text == marker || (text.utf8.count == marker.utf8.count && text.lowercased() == marker.lowercased())
    }

    /// Splits on the first `=`; the value may contain more `=`.
    static func splitKeyValue(_ line: String) -> (String, String)? {
        guard let index = line.utf8.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = trimmed(line[..<index])
        let value = trimmed(line[line.utf8.index(after: index)...])
        return (key, value)
    }

    static func trimmed(_ text: String) -> String { trimmed(Substring(text)) }

    static func trimmed(_ text: Substring) -> String {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start {
            let previous = utf8.index(before: end)
            guard utf8[previous] == 0x20 || utf8[previous] == 0x09 else { break }
            end = previous
        }
        return String(text[start..<end])
    }
}
