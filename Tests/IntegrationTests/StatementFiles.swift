import Connectors
import Foundation

/// Builds 1CClientBankExchange test files: lines joined with the given line end, in the given encoding.
enum StatementFiles {
    static let ourAccount = "20208000404512345001"

    static func encode(_ lines: [String], encoding: TextEncoding = .cp1251, lineEnd: String = "\r\n") -> Data {
        let text = lines.joined(separator: lineEnd) + lineEnd
        switch encoding {
        case .utf8: return Data(text.utf8)
        case .cp1251, .cp866:
            var encoder = CodePageEncoder(encoding: encoding)
            var bytes: [UInt8] = []
            encoder.encode(text, into: &bytes)
            return Data(bytes)
        }
    }

    static func header(from start: String = "15.04.2024", to end: String = "15.04.2024",
                       accounts: [String] = [ourAccount]) -> [String] {
        ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Тест Банк",
         "ДатаНачала=\(start)", "ДатаКонца=\(end)"] + accounts.map { "РасчСчет=\($0)" }
    }

    /// An incoming payment to our account.
    static func incoming(number: String, date: String = "15.04.2024", amount: String, payerINN: String = "207654321",
                         payerAccount: String = "20208000205566778001",
                         purpose: String = "00668 Оплата по счету №47") -> [String] {
        ["СекцияДокумент=Платежное поручение", "Номер=\(number)", "Дата=\(date)", "Сумма=\(amount)",
         "ПлательщикСчет=\(payerAccount)", "ПлательщикИНН=\(payerINN)", "Плательщик1=ООО «Чирчик Агро Экспорт»",
         "ПлательщикМФО=00567", "ПолучательСчет=\(ourAccount)", "ДатаПоступило=\(date)", "ПолучательИНН=305418726",
         "Получатель1=ООО «Алмазар Софт Сервис»", "ПолучательМФО=01234", "НазначениеПлатежа=\(purpose)",
         "КонецДокумента"]
    }

    /// An outgoing payment from our account.
    static func outgoing(number: String, date: String = "15.04.2024", amount: String) -> [String] {
        ["СекцияДокумент=Платежное поручение", "Номер=\(number)", "Дата=\(date)", "Сумма=\(amount)",
         "ПлательщикСчет=\(ourAccount)", "ДатаСписано=\(date)", "ПлательщикИНН=305418726",
         "ПолучательСчет=20218000900765432001", "ПолучательИНН=512345678",
         "Получатель1=ИП Каримова Дилноза Рустамовна", "НазначениеПлатежа=00668 Оплата услуг", "КонецДокумента"]
    }

    static func balance(day: String = "15.04.2024", opening: String, credited: String, debited: String,
                        closing: String) -> [String] {
        ["СекцияРасчСчет", "ДатаНачала=\(day)", "ДатаКонца=\(day)", "РасчСчет=\(ourAccount)",
         "НачальныйОстаток=\(opening)", "ВсегоПоступило=\(credited)", "ВсегоСписано=\(debited)",
         "КонечныйОстаток=\(closing)", "КонецРасчСчет"]
    }
}
