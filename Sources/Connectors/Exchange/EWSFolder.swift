/// The mailbox folders CRMHub syncs with Exchange, by their distinguished ids.
public enum EWSFolder: String, Sendable, CaseIterable, Codable {
    case calendar
    case contacts
    case tasks

    /// The `DistinguishedFolderId` Exchange knows the folder by.
    public var distinguishedID: String { rawValue }

    /// The element its items are (`t:CalendarItem`, `t:Contact`, `t:Task`).
    public var itemElement: String {
        switch self {
        case .calendar: "CalendarItem"
        case .contacts: "Contact"
        case .tasks: "Task"
        }
    }
}

/// The extended property every item made by the CRM carries: the CRM's id of it, so that the item is recognised
/// when it comes back from Exchange and is never pulled as a new one. A named property in the PublicStrings set,
/// as EWS documents for application data.
public enum EWSCRMProperty {
    public static let name = "CRMHubId"
    public static let uri = #"<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="CRMHubId" PropertyType="String"/>"#
}
