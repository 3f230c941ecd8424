/// Sorts the value of an `…ИНН` field: Uzbek banks put a person's 14-digit PINFL where a company's 9-digit
/// INN (STIR) goes. Values are validated softly: junk (`4`, foreign IDs) stays an INN as written.
package enum TaxIdentifier: Equatable, Sendable {
    case inn(String)
    case pinfl(String)

    package init?(_ value: String?) {
        guard let value, !value.isEmpty, value != "0" else { return nil }
        if value.utf8.count == 14, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            self = .pinfl(value)
        } else {
            self = .inn(value)
        }
    }

    package var inn: String? { if case .inn(let value) = self { value } else { nil } }
    package var pinfl: String? { if case .pinfl(let value) = self { value } else { nil } }
}
