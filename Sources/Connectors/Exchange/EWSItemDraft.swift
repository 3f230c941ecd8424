import HubCore

/// An item as the CRM wants it in Exchange: the fields it owns, in the order the EWS schema requires, for
/// `CreateItem` (the whole item, with the CRM's id in the `CRMHubId` extended property) and `UpdateItem` (each
/// field set, or deleted when the CRM has no value for it).
public struct EWSItemDraft: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        /// `Body` as text.
        case body(String)
        /// An indexed field's entries by key (`EmailAddress1`, `MobilePhone`); keys not given are deleted.
        case indexed([String: String])
        case attendees([CalendarAttendee])
    }

    public var folder: EWSFolder
    public var crmID: String
    /// By field name (`Subject`, `Start`, `EmailAddresses`); a field absent or nil has no value in the CRM.
    public var values: [String: Value]

    public init(folder: EWSFolder, crmID: String, values: [String: Value]) {
        self.folder = folder
        self.crmID = crmID
        self.values = values
    }

    /// One field of an item type: its element, its `FieldURI`, and for indexed fields the keys it may hold.
    struct Field: Sendable {
        var element: String
        var uri: String
        var indexKeys: [String] = []
        /// Only written when the item is created (`UID`).
        var createOnly = false
    }

    /// The fields CRMHub writes, in the schema's sequence; `nil` marks where the extended property goes.
    static func fields(_ folder: EWSFolder) -> [Field?] {
        switch folder {
        case .calendar:
            [Field(element: "Subject", uri: "item:Subject"), Field(element: "Body", uri: "item:Body"), nil,
             Field(element: "UID", uri: "calendar:UID", createOnly: true),
             Field(element: "Start", uri: "calendar:Start"), Field(element: "End", uri: "calendar:End"),
             Field(element: "IsAllDayEvent", uri: "calendar:IsAllDayEvent"),
             Field(element: "Location", uri: "calendar:Location"),
             Field(element: "RequiredAttendees", uri: "calendar:RequiredAttendees")]
        case .contacts:
            [nil, Field(element: "DisplayName", uri: "contacts:DisplayName"),
             Field(element: "GivenName", uri: "contacts:GivenName"),
             Field(element: "CompanyName", uri: "contacts:CompanyName"),
             Field(element: "EmailAddresses", uri: "contacts:EmailAddress", indexKeys: EWSContact.emailKeys),
             Field(element: "PhoneNumbers", uri: "contacts:PhoneNumber", indexKeys: EWSContact.phoneKeys),
             Field(element: "JobTitle", uri: "contacts:JobTitle"), Field(element: "Surname", uri: "contacts:Surname")]
        case .tasks:
            [Field(element: "Subject", uri: "item:Subject"), Field(element: "Body", uri: "item:Body"),
             Field(element: "Importance", uri: "item:Importance"), nil,
             Field(element: "DueDate", uri: "task:DueDate"), Field(element: "PercentComplete", uri: "task:PercentComplete"),
             Field(element: "StartDate", uri: "task:StartDate"), Field(element: "Status", uri: "task:Status")]
        }
    }

    /// The whole item, for `CreateItem`.
    public func itemXML() -> String {
        var xml = "<t:\(folder.itemElement)>"
        for field in Self.fields(folder) {
            guard let field else {
                xml += "<t:ExtendedProperty>\(EWSCRMProperty.uri)<t:Value>\(EWSRequest.escaped(crmID))</t:Value>"
                    + "</t:ExtendedProperty>"
                continue
            }
            if let value = values[field.element] { xml += Self.element(field, value) }
        }
        return xml + "</t:\(folder.itemElement)>"
    }

    /// Every field but the create-only ones set, or deleted when the CRM has no value, for `UpdateItem`.
    public func updatesXML() -> String {
        var xml = ""
        let item = folder.itemElement
        for case let field? in Self.fields(folder) where !field.createOnly {
            if !field.indexKeys.isEmpty {
                let entries: [String: String]
                if case .indexed(let given) = values[field.element] { entries = given } else { entries = [:] }
                for key in field.indexKeys {
                    let uri = "<t:IndexedFieldURI FieldURI=\"\(field.uri)\" FieldIndex=\"\(key)\"/>"
                    if let entry = entries[key] {
                        xml += "<t:SetItemField>\(uri)<t:\(item)><t:\(field.element)><t:Entry Key=\"\(key)\">"
                            + "\(EWSRequest.escaped(entry))</t:Entry></t:\(field.element)></t:\(item)></t:SetItemField>"
                    } else {
                        xml += "<t:DeleteItemField>\(uri)</t:DeleteItemField>"
                    }
                }
                continue
            }
            let uri = "<t:FieldURI FieldURI=\"\(field.uri)\"/>"
            if let value = values[field.element] {
                xml += "<t:SetItemField>\(uri)<t:\(item)>\(Self.element(field, value))</t:\(item)></t:SetItemField>"
            } else {
                xml += "<t:DeleteItemField>\(uri)</t:DeleteItemField>"
            }
        }
        return xml
    }

    private static func element(_ field: Field, _ value: Value) -> String {
        let name = field.element
        switch value {
        case .text(let text):
            return "<t:\(name)>\(EWSRequest.escaped(text))</t:\(name)>"
        case .body(let text):
            return "<t:\(name) BodyType=\"Text\">\(EWSRequest.escaped(text))</t:\(name)>"
        case .indexed(let entries):
            let present = field.indexKeys.filter { entries[$0] != nil }
            guard !present.isEmpty else { return "" }
            return "<t:\(name)>" + present.map {
                "<t:Entry Key=\"\($0)\">\(EWSRequest.escaped(entries[$0]!))</t:Entry>"
            }.joined() + "</t:\(name)>"
        case .attendees(let attendees):
            let listed = attendees.compactMap(\.email)
            guard !listed.isEmpty else { return "" }
            return "<t:\(name)>" + listed.map {
                "<t:Attendee><t:Mailbox><t:EmailAddress>\(EWSRequest.escaped($0))</t:EmailAddress></t:Mailbox></t:Attendee>"
            }.joined() + "</t:\(name)>"
        }
    }
}
