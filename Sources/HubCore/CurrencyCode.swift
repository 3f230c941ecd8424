/// Currency as 1C writes it (`860` in EnterpriseData's classifier, `UZS` or `сум`/`руб` in CommerceML) →
/// ISO 4217 alphabetic code; unknown spellings are kept as written.
public enum CurrencyCode {
    /// ISO 4217 numeric → alphabetic, for the currencies a Central Asian business meets.
    public static let byNumeric: [String: String] = [
        "860": "UZS", "810": "RUB", "643": "RUB", "840": "USD", "978": "EUR", "398": "KZT",
        "826": "GBP", "156": "CNY", "756": "CHF", "392": "JPY", "417": "KGS", "972": "TJS", "934": "TMT",
        "949": "TRY", "784": "AED", "933": "BYN", "980": "UAH", "944": "AZN", "410": "KRW", "356": "INR",
        "124": "CAD", "036": "AUD", "682": "SAR", "051": "AMD", "981": "GEL", "498": "MDL", "985": "PLN",
    ]
    static let byLocalName: [String: String] = [
        "сум": "UZS", "сўм": "UZS", "so'm": "UZS", "руб": "RUB", "руб.": "RUB", "рубль": "RUB", "грн": "UAH",
        "тенге": "KZT", "долл": "USD", "usd": "USD", "eur": "EUR", "евро": "EUR",
    ]

    public static func iso(_ written: String?) -> String? {
        guard let written, !written.isEmpty else { return nil }
        if let code = byNumeric[written] { return code }
        if let code = byLocalName[written.lowercased()] { return code }
        if written.utf8.count == 3, written.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A || $0 >= 0x61 && $0 <= 0x7A }) {
            return written.uppercased()
        }
        return written
    }

    /// The ISO 4217 numeric code EnterpriseData's currency classifier uses (`UZS` → `860`).
    public static func numeric(_ iso: String?) -> String? {
        guard let iso else { return nil }
        if iso == "RUB" { return "643" }
        return byNumeric.first { $0.value == iso }?.key
    }
}
