import CRMWarehouse
import Connectors
import Foundation
import HubCore
import Mapping

/// Writes a large, realistic 1CClientBankExchange statement in CP1251 and, row for row, the
/// `core.bank_transactions` rows it must become in COPY text format — the reference load for `psql \copy`
/// (and for postgres-nio's `copyFrom` on its own).
///
/// Documents carry the full field set a bank client exports (24 lines, ≈ 700 bytes each); the statement
/// covers 30 days on two of our accounts, with one balance section per account per day that adds up.
struct StatementGenerator {
    let documents: Int
    static let ourAccounts = ["20208000404512345001", "20208000404512345019"]
    static let days = 30

    struct Counterparty {
        var account: String
        var inn: String
        var name: String
        var bank: String
        var city: String
        var mfo: String
    }

    /// SplitMix64: deterministic, so the statement and the CSV describe the same documents.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    struct Document {
        var account: Int
        var day: Int
        var incoming: Bool
        var number: Int
        var kopecks: Int64
        var counterparty: Int
        var invoice: Int
    }

    static let names = ["ООО «Чирчик Агро Экспорт»", "АО «Узбектелеком Сервис»", "ИП Каримова Дилноза Рустамовна",
                        "ООО «Ферганская Сеть Связи»", "СП ООО «Самарканд Текстиль»", "ЧП «Бухоро Савдо»",
                        "ООО «Навоий Кон Инвест»", "АКБ «Шарк Лизинг»"]
    static let cities = ["г. Ташкент", "г. Самарканд", "г. Бухара", "г. Фергана", "г. Наманган", "г. Нукус"]

    func counterparties() -> [Counterparty] {
        var random = Random(state: 7)
        return (0..<5000).map { index in
            let client = String(format: "%08d", 10_000_000 + index * 17)
            return Counterparty(
                account: "20208000" + client + "0" + String(format: "%03d", index % 1000),
                inn: String(200_000_000 + random.below(399_999_999)),
                name: Self.names[index % Self.names.count].replacingOccurrences(of: "»", with: " \(index)»"),
                bank: "АКБ «Тест Банк \(index % 40)»", city: Self.cities[index % Self.cities.count],
                mfo: String(format: "%05d", 400 + index % 40))
        }
    }

    func forEachDocument(_ body: (Document) -> Void) {
        var random = Random(state: 2026)
        for index in 0..<documents {
            body(Document(
                account: random.below(2), day: index * Self.days / max(documents, 1),
                incoming: random.below(10) < 7, number: 1000 + index,
                kopecks: Int64(random.below(5_000_000)) * 100 + Int64(random.below(100)) + 100,
                counterparty: random.below(5000), invoice: 1 + random.below(99_999)))
        }
    }

    static func date(_ day: Int) -> CalendarDate { CalendarDate(year: 2026, month: 3, day: 1)!.adding(days: day) }

    static func amount(_ kopecks: Int64) -> String {
        let fraction = kopecks % 100
        return "\(kopecks / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Whether files written earlier can be reused: both exist and the rows have today's columns (files left by
    /// an older build, before a column joined `core.bank_transactions`, are written again).
    func isCurrent(statement statementPath: String, rows rowsPath: String) -> Bool {
        guard FileManager.default.fileExists(atPath: statementPath),
              let handle = FileHandle(forReadingAtPath: rowsPath) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16), let newline = head.firstIndex(of: 0x0A) else { return false }
        return head[..<newline].split(separator: 0x09, omittingEmptySubsequences: false).count == Self.rowColumns.count
    }

    /// Writes both files; returns their sizes in bytes.
    func write(statement statementPath: String, rows rowsPath: String) throws -> (statement: Int64, csv: Int64) {
        let parties = counterparties()
        // Per account and day: credited and debited kopecks, for balance sections that add up.
        var totals = Array(repeating: Array(repeating: (credit: Int64(0), debit: Int64(0)), count: Self.days),
                           count: Self.ourAccounts.count)
        forEachDocument { document in
            if document.incoming { totals[document.account][document.day].credit += document.kopecks }
            else { totals[document.account][document.day].debit += document.kopecks }
        }
        _ = FileManager.default.createFile(atPath: statementPath, contents: nil)
        _ = FileManager.default.createFile(atPath: rowsPath, contents: nil)
        let statement = try FileHandle(forWritingTo: URL(fileURLWithPath: statementPath))
        let csv = try FileHandle(forWritingTo: URL(fileURLWithPath: rowsPath))
        var encoder = CodePageEncoder(encoding: .cp1251)
        var statementBytes: [UInt8] = []
        var rows = CopyTextEncoder()
        var line = 0
        var statementSize: Int64 = 0
        var csvSize: Int64 = 0
        func emit(_ text: String) {
            encoder.encode(text, into: &statementBytes)
            statementBytes.append(0x0D)
            statementBytes.append(0x0A)
            line += 1
        }
        func flush(force: Bool = false) {
            if force || statementBytes.count > 1 << 20 {
                statement.write(Data(statementBytes))
                statementSize += Int64(statementBytes.count)
                statementBytes.removeAll(keepingCapacity: true)
            }
            if force || rows.count > 1 << 20 {
                var buffer = rows.take()
                let data = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
                csv.write(data)
                csvSize += Int64(data.count)
            }
        }
        let first = Self.date(0).dottedDMY
        let last = Self.date(Self.days - 1).dottedDMY
        for text in ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows",
                     "Отправитель=АКБ «Навруз Тест Банк» Интернет-Банк", "Получатель=Бухгалтерия предприятия",
                     "ДатаСоздания=\(last)", "ВремяСоздания=06:00:00", "ДатаНачала=\(first)", "ДатаКонца=\(last)"]
            + Self.ourAccounts.map({ "РасчСчет=\($0)" }) { emit(text) }
        for (accountIndex, account) in Self.ourAccounts.enumerated() {
            var balance: Int64 = 100_000_000_00
            for day in 0..<Self.days {
                let (credit, debit) = totals[accountIndex][day]
                let closing = balance + credit - debit
                for text in ["СекцияРасчСчет", "ДатаНачала=\(Self.date(day).dottedDMY)", "ДатаКонца=\(Self.date(day).dottedDMY)",
                             "РасчСчет=\(account)", "НачальныйОстаток=\(Self.amount(balance))",
                             "ВсегоПоступило=\(Self.amount(credit))", "ВсегоСписано=\(Self.amount(debit))",
                             "КонечныйОстаток=\(Self.amount(closing))", "КонецРасчСчет"] { emit(text) }
                balance = closing
            }
        }
        let ourName = "ООО «Алмазар Софт Сервис»"
        let ourBank = "АКБ «Навруз Тест Банк»"
        forEachDocument { document in
            let party = parties[document.counterparty]
            let account = Self.ourAccounts[document.account]
            let date = Self.date(document.day)
            let amount = Self.amount(document.kopecks)
            let purpose = "00668 Оплата по счету №\(document.invoice) от \(date.dottedDMY) за услуги, без НДС"
            let start = line + 1
            let payer = document.incoming
                ? (party.account, party.inn, party.name, party.bank, party.city, party.mfo)
                : (account, "305418726", ourName, ourBank, "г. Ташкент", "01234")
            let payee = document.incoming
                ? (account, "305418726", ourName, ourBank, "г. Ташкент", "01234")
                : (party.account, party.inn, party.name, party.bank, party.city, party.mfo)
            emit("СекцияДокумент=Платежное поручение")
            emit("Номер=\(document.number)")
            emit("Дата=\(date.dottedDMY)")
            emit("Сумма=\(amount)")
            emit("ПлательщикСчет=\(payer.0)")
            if !document.incoming { emit("ДатаСписано=\(date.dottedDMY)") }
            emit("Плательщик=ИНН \(payer.1) \(payer.2)")
            emit("ПлательщикИНН=\(payer.1)")
            emit("Плательщик1=\(payer.2)")
            emit("ПлательщикРасчСчет=\(payer.0)")
            emit("ПлательщикБанк1=\(payer.3)")
            emit("ПлательщикБанк2=\(payer.4)")
            emit("ПлательщикМФО=\(payer.5)")
            emit("ПолучательСчет=\(payee.0)")
            if document.incoming { emit("ДатаПоступило=\(date.dottedDMY)") }
            emit("Получатель=ИНН \(payee.1) \(payee.2)")
            emit("ПолучательИНН=\(payee.1)")
            emit("Получатель1=\(payee.2)")
            emit("ПолучательРасчСчет=\(payee.0)")
            emit("ПолучательБанк1=\(payee.3)")
            emit("ПолучательБанк2=\(payee.4)")
            emit("ПолучательМФО=\(payee.5)")
            emit("ВидОплаты=01")
            emit("Очередность=5")
            emit("НазначениеПлатежа=\(purpose)")
            emit("КонецДокумента")

            let other = document.incoming ? payer : payee
            let direction: TransactionDirection = document.incoming ? .incoming : .outgoing
            let key = BankStatementMapper.naturalKey(
                account: account, direction: direction, number: String(document.number), date: date,
                amount: ExactAmount(parsing: amount)!, counterpartyAccount: other.0, purpose: purpose)
            let attributes = JSONText.object([("ПлательщикБанк2", payer.4), ("ПолучательБанк2", payee.4)])
            let fields: [String?] = [
                account, direction.rawValue, "Платежное поручение", String(document.number), date.iso, amount, "UZS",
                other.1, nil, other.2, other.0, other.5, other.3, purpose, "00668", date.iso,
                payer.0, payer.1, payer.2, payer.5, payee.0, payee.1, payee.2, payee.5,
                document.incoming ? nil : date.iso, document.incoming ? date.iso : nil, "01", "5", nil, nil,
                attributes, key, "1", "1", String(start),
                // bank_reference, entry_reference, end_to_end_id, bank_transaction_code, entry_kind, return_reason,
                // value_date, structured_references: what the 1C format leaves empty (BankStageWriter's order).
                nil, nil, nil, nil, "payment", nil, nil, nil,
            ]
            precondition(fields.count == Self.rowColumns.count, "the reference rows lost step with the direct COPY")
            for field in fields { rows.field(field) }
            rows.endRow()
            flush()
        }
        emit("КонецФайла")
        flush(force: true)
        try statement.close()
        try csv.close()
        return (statementSize, csvSize)
    }

    /// The same columns, in the same order, that crmhub's direct COPY writes.
    static let rowColumns = BankStageWriter.directColumns
}

extension CalendarDate {
    func adding(days: Int) -> CalendarDate {
        var (year, month, day) = (self.year, self.month, self.day + days)
        while true {
            let length = CalendarDate(year: year, month: month, day: 31) != nil ? 31
                : CalendarDate(year: year, month: month, day: 30) != nil ? 30
                : CalendarDate(year: year, month: month, day: 29) != nil ? 29 : 28
            if day <= length { break }
            day -= length
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return CalendarDate(year: year, month: month, day: day)!
    }
}
