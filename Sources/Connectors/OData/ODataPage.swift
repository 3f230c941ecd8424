import Foundation
import HubCore

/// One entity of an OData answer: its place in the answer and its properties as text.
public struct ODataEntity: Sendable, Equatable {
    /// 0-based, within the page.
    public var index: Int
    /// Each property's value as text: strings as they are, numbers (and booleans, which Foundation gives as
    /// numbers) as their text; null and nested values are left out.
    public var properties: [String: String]
    /// The entity as received, for quarantine.
    public var json: String

    public init(index: Int, properties: [String: String], json: String) {
        self.index = index
        self.properties = properties
        self.json = json
    }
}

/// Reads one page of an OData JSON answer: version 3 as 1C:Enterprise publishes it
/// (`{"odata.metadata": …, "value": [ … ]}`, errors as `{"odata.error": {"message": {"value": …}}}`) and
/// version 4 (`@odata.context`, `error.message`).
///
/// Foundation's JSONSerialization parses the page: pages are bounded by `$top`, so a tree per page is small.
public enum ODataPage {
    public static func entities(_ body: [UInt8], source: String) throws(HubError) -> [ODataEntity] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw HubError(.malformedInput, "the answer is not JSON: \(error.localizedDescription)",
                           location: SourceLocation(source: source))
        }
        guard let object = parsed as? [String: Any] else {
            throw HubError(.malformedInput, "the answer is not a JSON object", location: SourceLocation(source: source))
        }
        if let message = errorMessage(object) {
            throw HubError(.remote, "the OData service answered with an error: \(message)",
                           location: SourceLocation(source: source))
        }
        guard let values = object["value"] as? [Any] else {
            throw HubError(.malformedInput, "the answer has no \"value\" list of entities",
                           location: SourceLocation(source: source))
        }
        var entities: [ODataEntity] = []
        entities.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard let entity = value as? [String: Any] else {
                throw HubError(.malformedInput, "value[\(index)] is not an entity",
                               location: SourceLocation(source: source, field: "value[\(index)]"))
            }
            var properties: [String: String] = [:]
            for (name, field) in entity {
                switch field {
                case let text as String: properties[name] = text
                // Booleans arrive as numbers too: read a flag as "true", "1" or "false", "0".
                case let number as NSNumber: properties[name] = number.stringValue
                default: continue
                }
            }
            let json = (try? JSONSerialization.data(withJSONObject: entity, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            entities.append(ODataEntity(index: index, properties: properties, json: json))
        }
        return entities
    }

    /// The message of an OData error answer (v3 `odata.error`, v4 `error`), if this is one.
    public static func errorMessage(_ object: [String: Any]) -> String? {
        guard let error = (object["odata.error"] ?? object["error"]) as? [String: Any] else { return nil }
        if let message = error["message"] as? [String: Any], let text = message["value"] as? String { return text }
        if let text = error["message"] as? String { return text }
        return (error["code"] as? String) ?? "no message"
    }

    /// 1C's OData writes an unset date as `0001-01-01T00:00:00`.
    public static func isEmptyDate(_ text: String) -> Bool { text.hasPrefix("0001-01-01") }
}
