import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Loans

/// `loan-contracts` and `loan-operations`: the core banking system's loan files (`LoanContractFile`,
/// `LoanOperationFile`). Contracts get their schedule from the credit calculator in the same transaction;
/// restructurings get theirs likewise.
struct LoanFileSourceKind: SourceKind {
    let content: LoanFileStore.Content

    var id: String { content == .contracts ? "loan-contracts" : "loan-operations" }

    var summary: String {
        content == .contracts
            ? "Loan contracts from the core banking system, each with its schedule (CSV or XML)."
            : "Disbursements, repayments, restructurings and write-offs on loan contracts (CSV or XML)."
    }

    var columns: [String] { content == .contracts ? LoanContractFile.columns : LoanOperationFile.columns }

    var help: String {
        let shape = content == .contracts ? LoanXMLFile.Shape.contracts : .operations
        let header = "The first line must be exactly \(columns.joined(separator: ",")) (comma-separated, UTF-8 or "
            + "Windows-1251); a wrong header fails the file, naming what differs. A file ending in .xml is read as "
            + "<\(shape.root)> holding one <\(shape.record)> per record, its children named as the columns."
        let repeats = "A later file replaces what an earlier one said for the same key; the same file again changes "
            + "nothing. A line that cannot be read is set aside in ops.quarantine with its line number and the rest "
            + "loads (exit code 3)."
        switch content {
        case .contracts: return """
            Reads one contract per line: its number, the borrower's INN or PINFL, name and phone, the product, \
            branch and responsible manager, then the terms (currency, principal, annual rate in percent, months, \
            annuity or differentiated, the day count 30/360, act/365, act/act or act/360, the disbursement and \
            first due dates). \(header)

            Each contract's schedule is computed by the credit calculator from its terms (crmhub loan schedule \
            gives the same numbers), rounded by the product's setting in mappings/loans.yaml, and kept in \
            core.loan_schedule; a contract whose terms change gets its schedule again. \(repeats)
            """
        case .operations: return """
            Reads one operation per line: the contract, the date, the operation (disbursement, repayment, \
            restructuring, write_off) and its reference in the bank's system, then the amount; a repayment may \
            carry the bank's split into principal, interest and penalty (adding up to the amount), else it is \
            split by the product's order when arrears are computed. A restructuring gives its new schedule's \
            principal, rate and months (and method, day count, first due when they change); the new schedule \
            is in force from its date. \(header)

            An operation on a contract not yet loaded is quarantined: import loan-contracts first. \(repeats)
            """
        }
    }

    var example: String {
        content == .contracts ? "crmhub import loan-contracts abs/contracts-2025-02.csv"
            : "crmhub import loan-operations abs/operations-2025-02.csv"
    }

    static let settings = SourceOption(
        key: "settings", defaultValue: LoanSettingsLoader.defaultPath, valueName: "file",
        help: "The loan settings: each product's rounding (default: mappings/loans.yaml, or built-in defaults when "
            + "there is none).")

    var options: [SourceOption] { content == .contracts ? [Self.settings] : [] }
    var units: UnitDiscovery { .files(content == .contracts ? "contract files" : "operation files") }

    var tables: [WarehouseTable] {
        switch content {
        case .contracts:
            [WarehouseTable("core.loans", testableColumns: [
                "contract_number", "borrower_id", "product", "currency", "principal", "annual_rate", "months",
                "disbursed_on", "batch_id"]),
             WarehouseTable("core.loan_schedule_versions", testableColumns: ["effective_from", "principal", "batch_id"])]
        case .operations:
            [WarehouseTable("core.loan_payments", testableColumns: [
                "reference", "kind", "paid_on", "amount", "principal", "interest", "penalty", "batch_id"]),
             WarehouseTable("core.loan_schedule_versions", testableColumns: ["effective_from", "principal", "batch_id"])]
        }
    }

    /// The terms a schedule is made of, checked the way the calculator will check them.
    static func terms(principal: ExactAmount, rate: ExactAmount, months: Int, method: String, dayCount: String,
                      from: CalendarDate, firstDue: CalendarDate?, rounding: RoundingUnit) -> LoanTerms {
        LoanTerms(principal: principal.decimal, annualRatePercent: rate.decimal, months: months,
                  method: RepaymentMethod(rawValue: method) ?? .annuity,
                  dayCount: DayCountConvention(rawValue: dayCount) ?? .actual365, disbursed: from, firstDue: firstDue,
                  rounding: rounding)
    }

    static func problems(_ terms: LoanTerms, line: Int, raw: String) -> LineRejection? {
        let problems = terms.problems
        guard !problems.isEmpty else { return nil }
        return LineRejection(line: line, reason: problems.map(\.description).joined(separator: "; "), raw: raw)
    }

    /// One record (a CSV line, an XML element) as the store's payload fields, or why it cannot be read.
    static func fields(_ record: LoanFileFields, content: LoanFileStore.Content, settings: LoanSettings)
        -> Result<(line: Int, fields: [String?]), LineRejection>
    {
        switch content {
        case .contracts:
            return LoanContractFile.contract(record).flatMap { contract in
                let rounding = settings.product(contract.product).rounding
                let terms = terms(principal: contract.principal, rate: contract.annualRatePercent,
                                  months: contract.months, method: contract.method, dayCount: contract.dayCount,
                                  from: contract.disbursed, firstDue: contract.firstDue, rounding: rounding)
                if let rejection = problems(terms, line: record.line, raw: record.raw) { return .failure(rejection) }
                return .success((contract.line, [
                    contract.number, contract.borrowerID, contract.borrowerName, contract.borrowerPhone,
                    contract.product, contract.branch, contract.manager, contract.currency, contract.principal.text,
                    contract.annualRatePercent.text, String(contract.months), contract.method, contract.dayCount,
                    rounding.rawValue, contract.disbursed.iso, contract.firstDue?.iso]))
            }
        case .operations:
            return LoanOperationFile.operation(record).flatMap { operation in
                if operation.kind == "restructuring", let principal = operation.principal,
                   let rate = operation.annualRatePercent, let months = operation.months {
                    // Checked with the loosest rounding: the contract's own is applied when the schedule is made.
                    let terms = terms(principal: principal, rate: rate, months: months,
                                      method: operation.method ?? "annuity", dayCount: operation.dayCount ?? "act/365",
                                      from: operation.date, firstDue: operation.firstDue, rounding: .tiyin)
                    if let rejection = problems(terms, line: record.line, raw: record.raw) { return .failure(rejection) }
                }
                return .success((operation.line, [
                    operation.contract, operation.date.iso, operation.kind, operation.reference, operation.amount?.text,
                    operation.principal?.text, operation.interest?.text, operation.penalty?.text,
                    operation.annualRatePercent?.text, operation.months.map(String.init), operation.method,
                    operation.dayCount, operation.firstDue?.iso, record.raw]))
            }
        }
    }

    /// The credit calculator behind the store's schedules.
    static let schedules: LoanScheduleBuilder = { request in
        let terms = LoanTerms(
            principal: request.principal, annualRatePercent: request.annualRatePercent, months: request.months,
            method: RepaymentMethod(rawValue: request.method) ?? .annuity,
            dayCount: DayCountConvention(rawValue: request.dayCount) ?? .actual365, disbursed: request.effectiveFrom,
            firstDue: request.firstDue, rounding: RoundingUnit(rawValue: request.rounding) ?? .tiyin)
        do throws(LoanTermsError) {
            return .success(try LoanScheduleCalculator.schedule(terms).instalments)
        } catch {
            return .failure(LoanScheduleRefusal(reason: error.description))
        }
    }

    /// The XML layout (`LoanXMLFile`): the same records, one element each.
    static func streamXML(path: String, name: String, content: LoanFileStore.Content, settings: LoanSettings,
                          recordKind: String, into writer: inout ReferenceRowWriter) async throws {
        var file = try LoanXMLFile(path: path, source: name, shape: content == .contracts ? .contracts : .operations)
        var pending: [Result<(line: Int, fields: [String?]), LineRejection>] = []
        var more = true
        while more {
            more = try file.readChunk { item in
                switch item {
                case .record(let record): pending.append(fields(record, content: content, settings: settings))
                case .rejected(let rejection): pending.append(.failure(rejection))
                }
            }
            for result in pending { try await DelimitedFileRows.write(result, recordKind: recordKind, to: &writer) }
            pending.removeAll(keepingCapacity: true)
        }
    }

    func importUnit(_ unit: SourceUnit, options: SourceOptionValues, context: ImportContext) async throws
        -> ImportReport
    {
        let started = ContinuousClock.now
        let settings = content == .contracts
            ? try LoanSettingsLoader.load(path: options.value(of: Self.settings) ?? LoanSettingsLoader.defaultPath).settings
            : LoanSettings()
        let scan = try SourceFileScan.scan(path: unit.path, name: unit.name, progress: context.progress,
                                           started: started, sniffEncoding: true)
        let source = BatchSource(sourceKind: id, sourceName: unit.name, sha256: scan.sha256,
                                 byteCount: scan.byteCount, encoding: scan.encoding.rawValue)
        let (path, name, encoding, columns, content) = (unit.path, unit.name, scan.encoding, columns, content)
        let recordKind = content == .contracts ? "loan_contract" : "loan_operation"
        let outcome = try await LoanFileStore(warehouse: context.warehouse).load(
            source, content: content, beforeCommit: context.beforeCommit, schedules: Self.schedules
        ) { writer in
            if path.lowercased().hasSuffix(".xml") {
                try await Self.streamXML(path: path, name: name, content: content, settings: settings,
                                         recordKind: recordKind, into: &writer)
                return
            }
            try await DelimitedFileRows.stream(path: path, name: name, encoding: encoding, columns: columns,
                                               recordKind: recordKind, fields: { row in
                do throws(LineRejection) {
                    return Self.fields(try LoanFileFields(row, columns: columns), content: content, settings: settings)
                } catch {
                    return .failure(error)
                }
            }, into: &writer)
        }
        return ImportReport(kind: id, unit: unit, file: outcome, headline: encoding.rawValue,
                            seconds: BankStatementImporter.seconds(since: started))
    }
}
