#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keys a 1CClientBankExchange file may use that CRMHub reads: document fields, balance and header
/// fields, and section markers. Several names mean different things by context (`Получатель` is the
/// receiving program in the header and the payee in a document); the parser interprets them by state.
enum ClientBankKey: Int, CaseIterable {
    // Document fields with typed values (each has a slot in a document section).
    case number, date, amount
    case payerAccount, payerCombined, payerINN, payerName, payerCheckingAccount, payerBankName, payerBankCode
    case payeeAccount, payeeCombined, payeeINN, payeeName, payeeCheckingAccount, payeeBankName, payeeBankCode
    case writtenOffOn, creditedOn
    case operationKind, priority, paymentID, supplierInvoiceNumber
    case purpose, purpose1, purpose2, purpose3, purpose4, purpose5, purpose6
    // Balance-section and header fields.
    case periodStart, periodEnd, account, opening, credited, debited, closing
    case formatVersion, encoding, sender, createdOn, createdAt, documentKind
    // Markers.
    case fileStart, documentStart, documentEnd, balanceStart, balanceEnd, fileEnd

    static let documentSlotCount = ClientBankKey.purpose6.rawValue + 1

    /// Spellings as written in files; matched after lower-casing, with the aliases real files use:
    /// `…БИК`/`…МФО` (Russian/Uzbek bank code), `…ИНН`/`…ОКПО`.
    static let spellings: [(String, ClientBankKey)] = [
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
        ("НазначениеПлатежа1", .purpose1), ("НазначениеПлатежа2", .purpose2), ("НазначениеПлатежа3", .purpose3),
        ("НазначениеПлатежа4", .purpose4), ("НазначениеПлатежа5", .purpose5), ("НазначениеПлатежа6", .purpose6),
        ("ДатаНачала", .periodStart), ("ДатаКонца", .periodEnd), ("РасчСчет", .account),
        ("НачальныйОстаток", .opening), ("ВсегоПоступило", .credited), ("ВсегоСписано", .debited),
        ("КонечныйОстаток", .closing), ("ВерсияФормата", .formatVersion), ("Кодировка", .encoding),
        ("Отправитель", .sender), ("ДатаСоздания", .createdOn), ("ВремяСоздания", .createdAt),
        ("Документ", .documentKind),
        ("1CClientBankExchange", .fileStart), ("1СClientBankExchange", .fileStart),
        ("СекцияДокумент", .documentStart), ("КонецДокумента", .documentEnd), ("СекцияРасчСчет", .balanceStart),
        ("КонецРасчСчет", .balanceEnd), ("КонецФайла", .fileEnd),
    ]

    /// The canonical spelling, for messages.
    var spelling: String { Self.spellings.first { $0.1 == self }!.0 }

    /// Keys as files nearly always spell them: tried first, so most lines need no lower-casing.
    static let exactTable = ByteKeyTable(spellings.map { (Array($0.0.utf8), $0.1.rawValue) })
    static let table = ByteKeyTable(spellings.map { (Array($0.0.lowercased().utf8), $0.1.rawValue) })
}

/// Finds a key's id from its lower-cased UTF-8 bytes without building a `String`.
///
/// Hand-written because Swift's `String` hashing normalises Unicode, which made key lookup the hottest spot
/// of the parser (each statement line is one lookup); FNV-1a over raw bytes with open addressing is cheap.
struct ByteKeyTable: Sendable {
    /// All keys back to back; `starts[i]..<starts[i + 1]` is key i.
    private let storage: [UInt8]
    private let starts: [Int]
    private let ids: [Int]
    private let buckets: [Int32]
    private let mask: Int

    init(_ entries: [([UInt8], Int)]) {
        var size = 64
        while size < entries.count * 4 { size <<= 1 }
        var buckets = [Int32](repeating: -1, count: size)
        for (index, entry) in entries.enumerated() {
            var slot = Int(Self.hash(entry.0) & UInt64(size - 1))
            while buckets[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            buckets[slot] = Int32(index)
        }
        var starts = [0]
        for entry in entries { starts.append(starts.last! + entry.0.count) }
        self.storage = entries.flatMap(\.0)
        self.starts = starts
        self.ids = entries.map(\.1)
        self.buckets = buckets
        self.mask = size - 1
    }

    static func hash<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }

    func id(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Int(Self.hash(key) & UInt64(mask))
        return storage.withUnsafeBufferPointer { storage in
            while true {
                let index = Int(buckets[slot])
                if index < 0 { return nil }
                let start = starts[index]
                let length = starts[index + 1] - start
                if length == key.count, memcmp(storage.baseAddress! + start, key.baseAddress!, length) == 0 {
                    return ids[index]
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
