import HubCore

/// A contact as `GetItem` returns it: names, company, up to three e-mail addresses and the phone numbers.
public struct EWSContact: Sendable, Equatable {
    public var identity: EWSItemIdentity
    public var displayName: String?
    public var givenName: String?
    public var surname: String?
    public var company: String?
    public var jobTitle: String?
    /// Lower-cased, in key order (EmailAddress1…3); SMTP addresses only.
    public var emails: [String]
    /// As written, in key order (`MobilePhone` first).
    public var phones: [String]

    /// The `EmailAddresses` keys EWS has.
    public static let emailKeys = ["EmailAddress1", "EmailAddress2", "EmailAddress3"]
    /// The `PhoneNumbers` keys CRMHub reads and writes, in the order numbers are kept.
    public static let phoneKeys = ["MobilePhone", "BusinessPhone", "HomePhone", "BusinessPhone2", "HomePhone2",
                                   "OtherTelephone", "CompanyMainPhone", "PrimaryPhone"]

    public init?(_ node: XMLElementNode, position: Int) {
        guard let identity = EWSItemIdentity(node, position: position) else { return nil }
        self.identity = identity
        displayName = node.value("DisplayName")
        givenName = node.value("GivenName")
        surname = node.value("Surname")
        company = node.value("CompanyName")
        jobTitle = node.value("JobTitle")
        emails = Self.entries(node["EmailAddresses"], keys: Self.emailKeys).compactMap { address in
            // An address of a contact from the organisation's directory may come as an X.500 DN, not SMTP.
            let trimmed = address.hasPrefix("SMTP:") || address.hasPrefix("smtp:") ? String(address.dropFirst(5))
                : address
            return trimmed.contains("@") ? trimmed.lowercased() : nil
        }
        phones = Self.entries(node["PhoneNumbers"], keys: Self.phoneKeys)
    }

    /// The entries' values in `keys` order; other keys after them.
    private static func entries(_ node: XMLElementNode?, keys: [String]) -> [String] {
        var byKey: [String: String] = [:]
        var others: [String] = []
        for entry in node?.children(named: "Entry") ?? [] {
            guard let value = entry.trimmedText else { continue }
            if let key = entry.attribute("Key"), keys.contains(key) { byKey[key] = value } else { others.append(value) }
        }
        return keys.compactMap { byKey[$0] } + others
    }
}
