/// The SOAP requests CRMHub sends to Exchange Web Services, as text: each operation's envelope with the server
/// version asked for and, when the service account acts for the mailbox by impersonation, the
/// `ExchangeImpersonation` header. Every value from data is escaped; ids and change keys are Exchange's own.
public struct EWSRequest: Sendable {
    /// `RequestServerVersion` (`Exchange2016`, `Exchange2013_SP1`, …).
    public var serverVersion: String
    /// The mailbox acted for (its SMTP address).
    public var mailbox: String
    /// Whether to send `ExchangeImpersonation` (the account has the ApplicationImpersonation role); otherwise the
    /// folders are opened by the mailbox's address (the account has full access to the mailbox).
    public var impersonation: Bool
    /// The Windows name of the zone CRMHub's times are meant in (`TimeZoneContext`), when known.
    public var timeZoneID: String?

    public init(serverVersion: String, mailbox: String, impersonation: Bool, timeZoneID: String? = nil) {
        self.serverVersion = serverVersion
        self.mailbox = mailbox
        self.impersonation = impersonation
        self.timeZoneID = timeZoneID
    }

    /// `FindItem` over a `CalendarView` [start, end): the server expands series into occurrences and exceptions.
    public func findCalendarView(start: Int64, end: Int64, maxEntries: Int) -> String {
        envelope("""
            <m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>\
            <t:AdditionalProperties>\(Self.fieldURIs(Self.calendarViewFields))\(EWSCRMProperty.uri)\
            </t:AdditionalProperties></m:ItemShape>\
            <m:CalendarView MaxEntriesReturned="\(maxEntries)" StartDate="\(EWSDateTime.text(start))" \
            EndDate="\(EWSDateTime.text(end))"/>\
            <m:ParentFolderIds>\(folderID(.calendar))</m:ParentFolderIds></m:FindItem>
            """)
    }

    /// `GetItem` of these items with all their properties, the body as text, and the CRM's id.
    public func getItems(_ ids: [String]) -> String {
        envelope("""
            <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType>\
            <t:AdditionalProperties>\(EWSCRMProperty.uri)</t:AdditionalProperties></m:ItemShape>\
            <m:ItemIds>\(ids.map { "<t:ItemId Id=\"\(Self.escaped($0))\"/>" }.joined())</m:ItemIds></m:GetItem>
            """)
    }

    /// `SyncFolderItems`: what changed in the folder since `syncState` (everything, when nil).
    public func syncFolderItems(_ folder: EWSFolder, syncState: String?, maxChanges: Int) -> String {
        let state = syncState.map { "<m:SyncState>\(Self.escaped($0))</m:SyncState>" } ?? ""
        return envelope("""
            <m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>\
            <t:AdditionalProperties>\(EWSCRMProperty.uri)</t:AdditionalProperties></m:ItemShape>\
            <m:SyncFolderId>\(folderID(folder))</m:SyncFolderId>\(state)\
            <m:MaxChangesReturned>\(maxChanges)</m:MaxChangesReturned></m:SyncFolderItems>
            """)
    }

    /// `CreateItem` of one item in the folder. Meetings are saved without sending invitations unless asked.
    public func createItem(_ draft: EWSItemDraft, sendInvitations: Bool = false) -> String {
        let invitations = draft.folder == .calendar
            ? " SendMeetingInvitations=\"\(sendInvitations ? "SendToAllAndSaveCopy" : "SendToNone")\"" : ""
        return envelope("""
            <m:CreateItem\(invitations)><m:SavedItemFolderId>\(folderID(draft.folder))</m:SavedItemFolderId>\
            <m:Items>\(draft.itemXML())</m:Items></m:CreateItem>
            """)
    }

    /// `UpdateItem` of one item: every field of the draft set (or deleted, when empty), refused by Exchange when
    /// `changeKey` is no longer the item's (it changed since it was read).
    public func updateItem(id: String, changeKey: String, _ draft: EWSItemDraft, sendInvitations: Bool = false)
        -> String
    {
        let invitations = draft.folder == .calendar
            ? " SendMeetingInvitationsOrCancellations=\"\(sendInvitations ? "SendToAllAndSaveCopy" : "SendToNone")\""
            : ""
        return envelope("""
            <m:UpdateItem ConflictResolution="NeverOverwrite"\(invitations)><m:ItemChanges><t:ItemChange>\
            <t:ItemId Id="\(Self.escaped(id))" ChangeKey="\(Self.escaped(changeKey))"/>\
            <t:Updates>\(draft.updatesXML())</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>
            """)
    }

    /// `DeleteItem` to Deleted Items (recoverable), without sending cancellations.
    public func deleteItem(id: String, folder: EWSFolder) -> String {
        let extra = switch folder {
        case .calendar: " SendMeetingCancellations=\"SendToNone\""
        case .tasks: " AffectedTaskOccurrences=\"AllOccurrences\""
        case .contacts: ""
        }
        return envelope("""
            <m:DeleteItem DeleteType="MoveToDeletedItems"\(extra)><m:ItemIds>\
            <t:ItemId Id="\(Self.escaped(id))"/></m:ItemIds></m:DeleteItem>
            """)
    }

    private func folderID(_ folder: EWSFolder) -> String {
        """
        <t:DistinguishedFolderId Id="\(folder.distinguishedID)"><t:Mailbox><t:EmailAddress>\(Self.escaped(mailbox))\
        </t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>
        """
    }

    private func envelope(_ body: String) -> String {
        var header = "<t:RequestServerVersion Version=\"\(Self.escaped(serverVersion))\"/>"
        if impersonation {
            header += "<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>\(Self.escaped(mailbox))"
                + "</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        }
        if let timeZoneID {
            header += "<t:TimeZoneContext><t:TimeZoneDefinition Id=\"\(Self.escaped(timeZoneID))\"/></t:TimeZoneContext>"
        }
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" \
            xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" \
            xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">\
            <soap:Header>\(header)</soap:Header><soap:Body>\(body)</soap:Body></soap:Envelope>
            """
    }

    /// What FindItem asks of each calendar item (it cannot return attendees or the body; GetItem does).
    static let calendarViewFields = [
        "item:Subject", "item:LastModifiedTime", "calendar:Start", "calendar:End", "calendar:IsAllDayEvent",
        "calendar:Location", "calendar:Organizer", "calendar:UID", "calendar:RecurrenceId",
        "calendar:CalendarItemType", "calendar:IsRecurring", "calendar:IsCancelled", "calendar:LegacyFreeBusyStatus",
        "calendar:MyResponseType",
    ]

    static func fieldURIs(_ uris: [String]) -> String {
        uris.map { "<t:FieldURI FieldURI=\"\($0)\"/>" }.joined()
    }

    /// Text escaped for element content and double-quoted attributes.
    public static func escaped(_ text: String) -> String {
        var buffer: [UInt8] = []
        SpreadsheetText.appendEscaped(text, to: &buffer, underscoreEscapes: false)
        return String(decoding: buffer, as: UTF8.self)
    }
}
