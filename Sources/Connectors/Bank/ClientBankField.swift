/// The keys of a 1CClientBankExchange document that CRMHub reads into typed fields.
///
/// Matched case-insensitively, with the aliases real files use: `…БИК`/`…МФО` (Russian/Uzbek bank code),
/// `…ИНН`/`…ОКПО`, `…Корсчет`/`…КорСчет`. Every other key is kept as written, in the document's
/// `otherFields`.
public enum ClientBankField: Sendable, Hashable {
    case number, date, amount
    case payerAccount, payerCombined, payerINN, payerName, payerCheckingAccount, payerBankName, payerBankCode
    case payeeAccount, payeeCombined, payeeINN, payeeName, payeeCheckingAccount, payeeBankName, payeeBankCode
    case writtenOffOn, creditedOn
    case operationKind, priority, paymentID, supplierInvoiceNumber
    case purpose
    /// `НазначениеПлатежа1`…`НазначениеПлатежа6`: the purpose split over lines.
    case purposeLine(Int)

    /// Canonical spelling → field. Aliases spell the same field differently.
    static let spellings: [(String, ClientBankField)] = [
        ("Номер", .number), ("Дата", .date), ("Сумма", .amount),
        ("ПлательщикСчет", .payerAccount), ("Плательщик", .payerCombined), ("ПлательщикИНН", .payerINN),
        ("ПлательщикОКПО", .payerINN), ("Плательщик1", .payerName), ("ПлательщикРасчСчет", .payerCheckingAccount),
        ("ПлательщикБанк1", .payerBankName), ("ПлательщикБИК", .payerBankCode), ("ПлательщикМФО", .payerBankCode),
        ("ПолучательСчет", .payeeAccount), ("Получатель", .payeeCombined), ("ПолучательИНН", .payeeINN),
        ("ПолучательОКПО", .payeeINN), ("Получатель1", .payeeName), ("ПолучательРасчСчет", .payeeCheckingAccount),
        ("ПолучательБанк1", .payeeBankName), ("ПолучательБИК", .payeeBankCode), ("ПолучательМФО", .payeeBankCode),
        ("ДатаСписано", .writtenOffOn), ("ДатаПоступило", .creditedOn),
        ("ВидОплаты", .operationKind), ("Очередность", .priority), ("Код", .paymentID),
        ("НомерСчетаПоставщика", .supplierInvoiceNumber), ("НазначениеПлатежа", .purpose),
        ("НазначениеПлатежа1", .purposeLine(1)), ("НазначениеПлатежа2", .purposeLine(2)),
        ("НазначениеПлатежа3", .purposeLine(3)), ("НазначениеПлатежа4", .purposeLine(4)),
        ("НазначениеПлатежа5", .purposeLine(5)), ("НазначениеПлатежа6", .purposeLine(6)),
    ]

    private static let exact: [String: ClientBankField] = Dictionary(spellings, uniquingKeysWith: { first, _ in first })
    private static let lowered: [String: ClientBankField] = Dictionary(
        spellings.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, _ in first })

    /// The field a key names, or nil for keys without a typed field. Exact spelling is tried first
    /// because lower-casing Cyrillic costs more than a hash lookup and nearly every file spells keys exactly.
    public static func named(_ key: String) -> ClientBankField? {
        if let field = exact[key] { return field }
        return lowered[key.lowercased()]
    }
}
