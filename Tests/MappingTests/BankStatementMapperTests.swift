import Connectors
import HubCore
import Mapping
import Testing

@Suite("bank statement mapping: direction, counterparty, currency, keys")
struct BankStatementMapperTests {
    static let ours = "20208000404512345001"
    static let ourDeposit = "20216000404512345002"
    static let day = CalendarDate(year: 2024, month: 4, day: 15)!

    func document(
        payer: PaymentParty, payee: PaymentParty, writtenOff: Bool = false, credited: Bool = false,
        purpose: String? = "00668 Оплата по счету №47", amount: String = "100.00", kind: String = "Платежное поручение"
    ) -> StatementDocument {
        StatementDocument(
            kind: kind, number: "12", date: Self.day, amount: ExactAmount(parsing: amount)!, payer: payer,
            payee: payee, writtenOffOn: writtenOff ? Self.day : nil, creditedOn: credited ? Self.day : nil,
            operationKind: "01", priority: "5", paymentID: nil, supplierInvoiceNumber: nil, purpose: purpose,
            otherFields: [("ПлательщикБанк2", "г. Ташкент")], line: 40)
    }

    let client = PaymentParty(account: "20208000205566778001", taxID: "207654321", name: "ООО «Чирчик»",
                              bankName: "АКБ «Шарк»", bankCode: "00567")
    let us = PaymentParty(account: ours, taxID: "305418726", name: "ООО «Алмазар»", bankName: "АКБ «Навруз»",
                          bankCode: "01234")

    @Test("money to our account is in; the payer is the counterparty")
    func incoming() throws {
        let mapper = BankStatementMapper(ourAccounts: [Self.ours])
        let rows = try mapper.rows(for: document(payer: client, payee: us, credited: true)).get()
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row.direction == .incoming && row.account == Self.ours)
        #expect(row.counterpartyINN == "207654321" && row.counterpartyName == "ООО «Чирчик»")
        #expect(row.counterpartyAccount == "20208000205566778001" && row.counterpartyBankCode == "00567")
        #expect(row.currency == "UZS" && row.paymentCode == "00668" && row.bookedOn == Self.day)
        #expect(row.sourceLine == 40)
        #expect(row.attributesJSON == #"{"ПлательщикБанк2":"г. Ташкент"}"#)
    }

    @Test("money from our account is out; the payee is the counterparty")
    func outgoing() throws {
        let mapper = BankStatementMapper(ourAccounts: [Self.ours])
        let row = try #require(try mapper.rows(for: document(payer: us, payee: client, writtenOff: true)).get().first)
        #expect(row.direction == .outgoing && row.counterpartyINN == "207654321")
    }

    @Test("a transfer between two of our accounts is two movements, unless one date says which side this is")
    func internalTransfer() throws {
        var deposit = us
        deposit.account = Self.ourDeposit
        let mapper = BankStatementMapper(ourAccounts: [Self.ours, Self.ourDeposit])
        let both = try mapper.rows(for: document(payer: us, payee: deposit, writtenOff: true, credited: true)).get()
        #expect(both.map(\.direction) == [.outgoing, .incoming])
        #expect(both.map(\.account) == [Self.ours, Self.ourDeposit])
        #expect(both[0].baseKey != both[1].baseKey)
        let onlyCredited = try mapper.rows(for: document(payer: us, payee: deposit, credited: true)).get()
        #expect(onlyCredited.map(\.direction) == [.incoming])
    }

    @Test("a document touching none of our accounts is refused with the accounts named")
    func notOurs() {
        let mapper = BankStatementMapper(ourAccounts: [Self.ours])
        var other = client
        other.account = "20208000999999999001"
        guard case .failure(let rejection) = mapper.rows(for: document(payer: client, payee: other)) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.reason.contains("20208000205566778001") && rejection.reason.contains(Self.ours))
    }

    @Test("a 14-digit tax ID is a PINFL")
    func pinfl() throws {
        var person = client
        person.taxID = "31503850270019"
        let row = try #require(try BankStatementMapper(ourAccounts: [Self.ours])
            .rows(for: document(payer: person, payee: us)).get().first)
        #expect(row.counterpartyPINFL == "31503850270019" && row.counterpartyINN == nil)
    }

    @Test("a fee without a counterparty has the bank as counterparty")
    func bankAsCounterparty() throws {
        let fee = document(payer: us, payee: PaymentParty(account: "45101000000001234001"), writtenOff: true,
                           purpose: "Комиссия за ведение счета", kind: "Мемориальный ордер")
        let row = try #require(try BankStatementMapper(ourAccounts: [Self.ours]).rows(for: fee).get().first)
        #expect(row.counterpartyName == "АКБ «Навруз»" && row.counterpartyBankCode == "01234")
        #expect(row.counterpartyAccount == "45101000000001234001" && row.paymentCode == nil)
    }

    @Test("currency comes from the account's digits 6–8", arguments: [
        ("20208000404512345001", "UZS"), ("20208840404512345001", "USD"), ("20208978404512345001", "EUR"),
        ("40702810900000000001", "RUB"), ("KZ123456789", nil), ("20208999404512345001", nil),
    ] as [(String, String?)])
    func currency(account: String, expected: String?) {
        #expect(AccountCurrency.code(forAccount: account) == expected)
    }

    @Test("the payment code is a leading 5-digit group only", arguments: [
        ("00668 Оплата", "00668"), ("00668", "00668"), ("0066 Оплата", nil), ("006681 Оплата", nil),
        ("Оплата 00668", nil), ("12345abc", nil),
    ] as [(String, String?)])
    func paymentCode(purpose: String, expected: String?) {
        #expect(BankStatementMapper.paymentCode(in: purpose) == expected)
    }

    @Test("the natural key ignores how an amount is written and changes with the purpose")
    func naturalKey() {
        func key(_ amount: String, _ purpose: String) -> String {
            BankStatementMapper.naturalKey(
                account: Self.ours, direction: .incoming, number: "12", date: Self.day,
                amount: ExactAmount(parsing: amount)!, counterpartyAccount: "20208000205566778001", purpose: purpose)
        }
        #expect(key("45600000.00", "a") == key("45600000", "a"))
        #expect(key("45600000.00", "a") != key("45600000.00", "b"))
        #expect(key("1.5", "a") != key("15", "a"))
        #expect(key("1", "a").count == 36)
    }
}
