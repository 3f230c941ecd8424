import Foundation
import HubCore

/// Turns the XML events of a camt.053/054 file (records at depth 4) into `BankStatementRecord`s.
///
/// A value type fed event by event, so it is tested through the file reader without any other I/O. One
/// statement is open at a time; its balances are held until the first element after them, because the role of
/// an `ITBD` balance (opening, closing or neither) depends on the others.
struct Camt053Parser {
    let source: String
    private var version: CamtVersion?
    private var sawMessage = false
    private var messageID: String?
    private var messageCreatedAt: String?
    private var statementCount = 0
    private var statement: OpenStatement?

    /// What is known of the statement being read.
    struct OpenStatement {
        var index: Int
        var element: String
        var line: Int
        var id: String?
        var electronicSequence: String?
        var legalSequence: String?
        var createdAt: String?
        var period: XMLElementNode?
        var info: StatementInfo?
        var pendingBalances: [XMLElementNode] = []
        var balancesDone = false
        var opening: Decimal?
        var closing: Decimal?
        var declaredEntryCount: Int?
        var declaredEntryCountLine = 0
        var entryCount = 0
        var rejectedEntries = 0
        /// Σ of the signed amounts of the `BOOK` entries read (rejected ones whose amount could be read too).
        var bookedSum = Decimal(0)

        var path: String { "\(element)[\(index)]" }
    }

    init(source: String) {
        self.source = source
    }

    mutating func consume(_ event: XMLStreamEvent, emit: (BankStatementRecord) throws -> Void) throws {
        switch event {
        case .opened(let name, let namespace, _, 1, let line):
            guard name == "Document" else {
                throw HubError(.malformedInput,
                               "not a camt.053/camt.054 statement: the root element is <\(name)>, not <Document>",
                               location: SourceLocation(source: source, line: line))
            }
            guard let namespace, let version = CamtVersion(namespace: namespace) else {
                throw HubError(
                    .malformedInput,
                    "the namespace \"\((namespace ?? "").escapingControlCharacters())\" is not a camt.053 or camt.054 version CRMHub reads "
                        + "(urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .14, or camt.054)",
                    location: SourceLocation(source: source, line: line))
            }
            self.version = version
        case .opened(let name, _, _, 2, let line):
            guard let version, name == version.messageElement else {
                throw HubError(.malformedInput,
                               "<\(name)> under <Document>: a \(version?.format ?? "camt") file holds "
                                   + "<\(version?.messageElement ?? "BkToCstmrStmt")>",
                               location: SourceLocation(source: source, line: line))
            }
            sawMessage = true
        case .opened(let name, _, _, 3, let line):
            guard let version, name == version.statementElement else { return }
            statementCount += 1
            statement = OpenStatement(index: statementCount, element: name, line: line)
        case .record(let node, _, _) where node.valueProblem != nil:
            try rejectOverlong(node, problem: node.valueProblem!, emit: emit)
        case .record(let node, "GrpHdr", _):
            switch node.name {
            case "MsgId": messageID = node.trimmedText
            case "CreDtTm": messageCreatedAt = node.trimmedText
            default: break
            }
        case .record(let node, let parent, _):
            guard let version, parent == version.statementElement, statement != nil else { return }
            try consumeStatementChild(node, version: version, emit: emit)
        case .closed(let name, 3):
            guard let version, name == version.statementElement, statement != nil else { return }
            try closeStatement(emit: emit)
        default:
            break
        }
    }

    /// A record with a value past the limit: an entry or balance is rejected like any unreadable one (the rest
    /// of the statement loads); anything else the statement cannot do without, so the file is refused.
    private mutating func rejectOverlong(
        _ node: XMLElementNode, problem: XMLValueProblem, emit: (BankStatementRecord) throws -> Void
    ) throws {
        guard version != nil, statement != nil, node.name == "Ntry" || node.name == "Bal" else {
            throw HubError(.malformedInput, "<\(node.name)>: \(problem.reason)",
                           location: SourceLocation(source: source, line: problem.line, field: problem.path))
        }
        let info = try requireInfo(before: node)
        if node.name == "Ntry" {
            try flushBalances(emit: emit)
            statement!.entryCount += 1
            statement!.rejectedEntries += 1
            // Its amount is intact (only the long value is cut): it counts, as for any rejected entry.
            let outcome = CamtEntryReader(entry: node, info: info,
                                          path: "\(statement!.path)/Ntry[\(statement!.entryCount)]").read()
            if let signed = outcome.bookedAmount { statement!.bookedSum += signed }
        }
        try emit(.rejected(RejectedSection(
            kind: node.name == "Ntry" ? "entry" : "balance", line: node.line, reason: problem.reason,
            field: problem.path.isEmpty ? nil : problem.path, raw: node.json)))
    }

    /// Ends the input: a file without a statement is refused (the schema requires at least one).
    func finish() throws {
        guard version != nil, sawMessage else {
            throw HubError(.malformedInput, "the file ended before a camt message (<Document>) was read",
                           location: SourceLocation(source: source))
        }
        guard statementCount > 0 else {
            throw HubError(.malformedInput,
                           "the \(version!.format) message has no <\(version!.statementElement)>",
                           location: SourceLocation(source: source))
        }
    }

    // MARK: - Statement

    private mutating func consumeStatementChild(
        _ node: XMLElementNode, version: CamtVersion, emit: (BankStatementRecord) throws -> Void
    ) throws {
        let name = node.name
        if name != "Bal" { try flushBalances(emit: emit) }
        switch name {
        case "Id": statement!.id = node.trimmedText
        case "ElctrncSeqNb": statement!.electronicSequence = node.trimmedText
        case "LglSeqNb": statement!.legalSequence = node.trimmedText
        case "CreDtTm": statement!.createdAt = node.trimmedText
        case "FrToDt": statement!.period = node
        case "Acct":
            try emitStatement(node, version: version, emit: emit)
        case "Bal":
            try requireInfo(before: node)
            statement!.pendingBalances.append(node)
        case "TxsSummry":
            if let text = node.value("TtlNtries", "NbOfNtries") {
                statement!.declaredEntryCount = Int(text)
                statement!.declaredEntryCountLine = node.line
            }
        case "Ntry":
            let info = try requireInfo(before: node)
            statement!.entryCount += 1
            let reader = CamtEntryReader(entry: node, info: info,
                                         path: "\(statement!.path)/Ntry[\(statement!.entryCount)]")
            let outcome = reader.read()
            if let signed = outcome.bookedAmount { statement!.bookedSum += signed }
            switch outcome.result {
            case .success(let lines):
                for line in lines { try emit(.line(line)) }
            case .failure(let rejection):
                statement!.rejectedEntries += 1
                try emit(.rejected(RejectedSection(kind: "entry", line: node.line, reason: rejection.reason,
                                                   field: rejection.field, raw: node.json)))
            }
        default:
            break
        }
    }

    @discardableResult
    private func requireInfo(before node: XMLElementNode) throws -> StatementInfo {
        guard let info = statement?.info else {
            throw HubError(.malformedInput,
                           "<\(node.name)> of \(statement?.path ?? "a statement") comes before the statement's "
                               + "<Acct>: the account it belongs to is unknown",
                           location: SourceLocation(source: source, line: node.line, field: "Acct"))
        }
        return info
    }

    private mutating func emitStatement(
        _ account: XMLElementNode, version: CamtVersion, emit: (BankStatementRecord) throws -> Void
    ) throws {
        guard statement!.info == nil else { return }
        guard let number = account.value("Id", "IBAN") ?? account.value("Id", "Othr", "Id") else {
            throw HubError(.malformedInput,
                           "the <Acct> of \(statement!.path) has neither Id/IBAN nor Id/Othr/Id",
                           location: SourceLocation(source: source, line: account.line, field: "Acct/Id"))
        }
        let period = statement!.period
        func periodDate(_ names: [String]) -> CalendarDate? {
            for name in names { if let text = period?.value(name) { return CalendarDate(isoDate: text) } }
            return nil
        }
        let info = StatementInfo(
            format: version.format, messageID: messageID, statementID: statement!.id,
            sequenceNumber: statement!.electronicSequence ?? statement!.legalSequence,
            createdAt: statement!.createdAt ?? messageCreatedAt,
            periodStart: periodDate(["FrDtTm", "FrDt"]), periodEnd: periodDate(["ToDtTm", "ToDt"]),
            account: number, currency: account.value("Ccy"),
            bankCode: account.value("Svcr", "FinInstnId", "ClrSysMmbId", "MmbId"),
            ownerName: account.value("Ownr", "Nm"),
            ownerTaxID: account.value("Ownr", "Id", "OrgId", "Othr", "Id")
                ?? account.value("Ownr", "Id", "PrvtId", "Othr", "Id"),
            line: statement!.line)
        statement!.info = info
        try emit(.statement(info))
    }

    // MARK: - Balances

    /// Emits the statement's balances once the element after the last `Bal` arrives.
    private mutating func flushBalances(emit: (BankStatementRecord) throws -> Void) throws {
        guard var open = statement, !open.balancesDone, !open.pendingBalances.isEmpty else { return }
        open.balancesDone = true
        let nodes = open.pendingBalances
        open.pendingBalances = []
        let codes = nodes.map { $0.value("Tp", "CdOrPrtry", "Cd") ?? $0.value("Tp", "CdOrPrtry", "Prtry") ?? "" }
        let hasOpening = codes.contains("OPBD") || codes.contains("PRCD")
        let hasClosing = codes.contains("CLBD")
        let firstInterim = codes.firstIndex(of: "ITBD")
        let lastInterim = codes.lastIndex(of: "ITBD")
        var openingFromOPBD = false
        for (index, node) in nodes.enumerated() {
            let code = codes[index]
            let role: StatementBalanceLine.Role
            switch code {
            case "OPBD", "PRCD": role = .opening
            case "CLBD": role = .closing
            case "ITBD" where !hasOpening && index == firstInterim: role = .opening
            case "ITBD" where !hasClosing && index == lastInterim: role = .closing
            case "CLAV", "OPAV", "ITAV": role = .available
            case "FWAV": role = .forward
            default: role = .other
            }
            switch Self.balance(node, code: code, role: role, currency: open.info?.currency) {
            case .success(let balance):
                // OPBD wins over PRCD when a bank sends both.
                if role == .opening, open.opening == nil || (code == "OPBD" && !openingFromOPBD) {
                    open.opening = Self.signed(balance.amount)
                    openingFromOPBD = code == "OPBD"
                }
                if role == .closing { open.closing = Self.signed(balance.amount) }
                try emit(.balance(balance))
            case .failure(let rejection):
                try emit(.rejected(RejectedSection(kind: "balance", line: node.line, reason: rejection.reason,
                                                   field: rejection.field, raw: node.json)))
            }
        }
        statement = open
    }

    static func signed(_ amount: ExactAmount) -> Decimal { amount.decimal }

    static func balance(_ node: XMLElementNode, code: String, role: StatementBalanceLine.Role, currency: String?)
        -> Result<StatementBalanceLine, CamtRejection>
    {
        guard !code.isEmpty else { return .failure(CamtRejection("the balance has no Tp/CdOrPrtry code", "Tp")) }
        guard let amountText = node.value("Amt") else {
            return .failure(CamtRejection("balance \(code) has no Amt", "Amt"))
        }
        guard let amount = ExactAmount(parsing: amountText) else {
            return .failure(CamtRejection("balance \(code): Amt \"\(amountText.escapingControlCharacters())\" is not a number", "Amt"))
        }
        guard let credit = CamtEntryReader.isCredit(node.value("CdtDbtInd")) else {
            return .failure(CamtRejection(
                "balance \(code): CdtDbtInd \"\((node.value("CdtDbtInd") ?? "").escapingControlCharacters())\" is neither CRDT nor DBIT",
                "CdtDbtInd"))
        }
        let dateText = node.value("Dt", "Dt") ?? node.value("Dt", "DtTm")
        guard let dateText, let date = CalendarDate(isoDate: dateText) else {
            return .failure(CamtRejection("balance \(code): Dt \"\((dateText ?? "").escapingControlCharacters())\" is not a date", "Dt"))
        }
        return .success(StatementBalanceLine(
            role: role, code: code, amount: credit ? amount : ExactAmount(-amount.decimal),
            currency: node["Amt"]?.attribute("Ccy") ?? currency, date: date, line: node.line))
    }

    // MARK: - Checks

    private mutating func closeStatement(emit: (BankStatementRecord) throws -> Void) throws {
        try flushBalances(emit: emit)
        guard let open = statement else { return }
        statement = nil
        guard let info = open.info else {
            throw HubError(.malformedInput, "\(open.path) has no <Acct>: the account it belongs to is unknown",
                           location: SourceLocation(source: source, line: open.line, field: "Acct"))
        }
        var problems: [String] = []
        if let declared = open.declaredEntryCount, declared != open.entryCount {
            problems.append("TxsSummry/TtlNtries/NbOfNtries is \(declared) but the statement has "
                                + "\(open.entryCount) entries")
        }
        if let opening = open.opening, let closing = open.closing, opening + open.bookedSum != closing {
            problems.append("closing balance \(closing.amountText) ≠ opening \(opening.amountText) + entries "
                                + "\(open.bookedSum.amountText)")
        }
        guard !problems.isEmpty else { return }
        var reason = problems.joined(separator: "; ")
        if open.rejectedEntries > 0 {
            reason += " (\(open.rejectedEntries) entr\(open.rejectedEntries == 1 ? "y was" : "ies were") rejected)"
        }
        // Nothing of the statement is kept whole (it is read entry by entry): raw holds the figures compared.
        let figures: [(key: String, value: String?)] = [
            ("statement", info.statementID ?? open.path), ("entries", String(open.entryCount)),
            ("declaredEntries", open.declaredEntryCount.map(String.init)), ("opening", open.opening?.amountText),
            ("bookedSum", open.bookedSum.amountText), ("closing", open.closing?.amountText),
        ]
        let raw = JSONText.object(figures.compactMap { key, value in value.map { (key: key, value: $0) } })
        try emit(.rejected(RejectedSection(
            kind: "statement", line: open.line, reason: "\(open.path) \((info.statementID ?? "").escapingControlCharacters()): \(reason)",
            field: nil, raw: raw)))
    }
}

/// Why an entry or balance cannot be read, and which element is wrong.
struct CamtRejection: Error {
    var reason: String
    var field: String?

    init(_ reason: String, _ field: String?) {
        self.reason = reason
        self.field = field
    }
}
