import HubCore

/// The currency of a domestic bank account, read from the account number itself.
///
/// Uzbek and Russian 20-digit accounts carry a 3-digit currency code at positions 6–8. Uzbek domestic sum
/// accounts use `000` (not UZS's ISO numeric 860), Russian rouble accounts `810` (the pre-1998 code) or `643`.
package enum AccountCurrency {
    /// Uzbek sum accounts write `000`, not 860.
    static let alphaByNumeric = CurrencyCode.byNumeric.merging(["000": "UZS"]) { current, _ in current }

    /// ISO 4217 alphabetic code, or nil when the account is not a 20-digit number or its code is unknown.
    package static func code(forAccount account: String) -> String? {
        let utf8 = Array(account.utf8)
        guard utf8.count == 20, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return alphaByNumeric[String(decoding: utf8[5..<8], as: UTF8.self)]
    }
}
