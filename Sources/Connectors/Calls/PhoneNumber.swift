/// A client's phone number in E.164 (`+998901112233`), read from what a PBX or a person wrote.
///
/// Hand-written: no phone library is among the project's packages, and libphonenumber's metadata rejects the
/// forms Uzbek callers still use (`8 90 123 45 67`, `0 90 123 45 67`) anyway. The rules, in order
/// (docs/calls.md, "Phone numbers"):
/// - `sip:` addresses, `@` addresses and numbers of up to 5 digits are employees' extensions, not clients;
///   text without digits (`anonymous`) is no number;
/// - `+…`, `00…` and Russia's `810…` are international already;
/// - 12 digits `998…` (MANGO OFFICE writes E.164 without `+`), 9 digits of an Uzbek national number, and the
///   older `8` + 9 digits and `0` + 9 digits are Uzbek: `+998` + the 9 digits;
/// - 11 digits `8…` are Russian (`8 916 …` → `+7916…`), 11 digits `7…` Russia or Kazakhstan, 10 digits `9…`
///   a Russian mobile without its `8`;
/// - 11 to 15 digits otherwise are taken as E.164 without the `+`.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// `+` and 8 to 15 digits.
    public let e164: String
    /// Which rule read it (`uz-national`, `uz-legacy-8`, `ru-trunk-8`, …), for review.
    public let rule: String

    public var description: String { e164 }

    /// The digits without `+` (`998901112233`), as MANGO OFFICE writes them.
    public var digits: String { String(e164.dropFirst()) }

    /// The number `text` stands for; nil for extensions, SIP addresses, anonymous callers and what is no number.
    public init?(_ text: String) {
        var value = Substring(text.trimmingSpacesAndTabs)
        if value.lowercased().hasPrefix("tel:") { value = value.dropFirst(4) }
        if value.lowercased().hasPrefix("sip:") || value.contains("@") { return nil }
        let plus = value.first == "+"
        var digits = ""
        for character in value {
            if let ascii = character.asciiValue, (0x30...0x39).contains(ascii) {
                digits.append(character)
            } else if !" -().+/".contains(character) {
                return nil
            }
        }
        guard digits.count > 5 else { return nil }
        func make(_ e164Digits: some StringProtocol, _ rule: String) -> (String, String)? {
            (8...15).contains(e164Digits.count) ? ("+" + e164Digits, rule) : nil
        }
        let read: (String, String)?
        if plus {
            read = make(digits, "international")
        } else if digits.hasPrefix("00") {
            read = make(digits.dropFirst(2), "international-00")
        } else if digits.hasPrefix("810"), digits.count > 12 {
            read = make(digits.dropFirst(3), "international-810")
        } else if digits.count == 12, digits.hasPrefix("998") {
            read = make(digits, "uz-e164")
        } else if digits.count == 9, Self.isUzbekNational(digits) {
            read = make("998" + digits, "uz-national")
        } else if digits.count == 10, digits.hasPrefix("8"), Self.isUzbekNational(digits.dropFirst()) {
            read = make("998" + digits.dropFirst(), "uz-legacy-8")
        } else if digits.count == 10, digits.hasPrefix("0"), Self.isUzbekNational(digits.dropFirst()) {
            read = make("998" + digits.dropFirst(), "uz-legacy-0")
        } else if digits.count == 11, digits.hasPrefix("8") {
            read = make("7" + digits.dropFirst(), "ru-trunk-8")
        } else if digits.count == 11, digits.hasPrefix("7") {
            read = make(digits, "ru-kz-e164")
        } else if digits.count == 10, digits.hasPrefix("9") {
            read = make("7" + digits, "ru-mobile")
        } else if digits.count >= 11 {
            read = make(digits, "e164-digits")
        } else {
            read = nil
        }
        guard let (e164, rule) = read else { return nil }
        self.e164 = e164
        self.rule = rule
    }

    /// An Uzbek national significant number: 9 digits, `20`, `33` or `5`–`9` first (libphonenumber's UZ
    /// pattern `(?:20|33|[5-9]\d)\d{7}`).
    static func isUzbekNational(_ digits: some StringProtocol) -> Bool {
        let bytes = Array(digits.utf8)
        guard bytes.count == 9 else { return false }
        switch (bytes[0], bytes[1]) {
        case (0x32, 0x30), (0x33, 0x33): return true
        case (0x35...0x39, _): return true
        default: return false
        }
    }
}
