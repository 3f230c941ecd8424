/// The currency of a domestic bank account, read from the account number itself.
///
/// Uzbek and Russian 20-digit accounts carry a 3-digit currency code at positions 6–8. Uzbek domestic sum
/// accounts use `000` (not UZS's ISO numeric 860), Russian rouble accounts `810` (the pre-1998 code) or `643`.
public enum AccountCurrency {
    static let alphaByNumeric: [String: String] = [
        "000": "UZS", "860": "UZS", "810": "RUB", "643": "RUB", "840": "USD", "978": "EUR", "398": "KZT",
        "826": "GBP", "156": "CNY", "756": "CHF", "392": "JPY", "417": "KGS", "972": "TJS", "934": "TMT",
        "949": "TRY", "784": "AED", "933": "BYN", "980": "UAH", "944": "AZN", "410": "KRW", "356": "INR",
        "124": "CAD", "036": "AUD", "682": "SAR", "051": "AMD", "981": "GEL", "498": "MDL", "985": "PLN",
    ]

    /// ISO 4217 alphabetic code, or nil when the account is not a 20-digit number or its code is unknown.
    public static func code(forAccount account: String) -> String? {
        let utf8 = Array(account.utf8)
        guard utf8.count == 20, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return alphaByNumeric[String(decoding: utf8[5..<8], as: UTF8.self)]
    }
}
