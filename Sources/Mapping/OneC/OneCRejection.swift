import Connectors
import HubCore

/// Why a 1C object cannot be loaded: a missing required property, a malformed amount or date. Carries the
/// XML path and line of the offending element for `ops.quarantine`.
package struct OneCRejection: Error, Sendable, Equatable {
    package var reason: String
    package var path: String
    package var line: Int
    /// The property at fault (`Сумма`, `КлючевыеСвойства/Дата`).
    package var field: String?

    package init(reason: String, path: String, line: Int, field: String? = nil) {
        self.reason = reason
        self.path = path
        self.line = line
        self.field = field
    }

    /// An object the reader could not hold whole (a value past `InputLimits.maxValueBytes`), at `path` (the
    /// object's own, `Message/Body/Документ.СчетПокупателю[3]`) and below.
    package init(valueProblem problem: XMLValueProblem, below path: String) {
        self.init(reason: problem.reason, path: problem.path.isEmpty ? path : path + "/" + problem.path,
                  line: problem.line, field: problem.path.isEmpty ? nil : problem.path)
    }

    /// Why an object cannot be loaded as it was read, if it cannot: a value past the input limit (only its
    /// preview was kept), or an object spanning more than 2 GiB of the file (its byte range does not fit the
    /// `integer` columns of `raw`).
    ///
    /// Its raw row is then kept without a byte length, so that the warehouse does not rebuild the object's
    /// text from the stored message for the quarantine row: that text would be as large as the value (past
    /// 1 GB PostgreSQL refuses it outright). The quarantine row holds the object as read, with the preview;
    /// the exact bytes stay in `raw.onec_message_chunks` from the row's byte offset.
    package init?(unholdable node: XMLElementNode, bytes: XMLByteRange, path: String) {
        if let problem = node.valueProblem {
            self.init(valueProblem: problem, below: path)
        } else if bytes.length > Int64(Int32.max) {
            self.init(reason: "the object spans \(bytes.length) bytes of the file, more than one object may (2 GiB)",
                      path: path, line: node.line)
        } else {
            return nil
        }
    }
}

/// Reads typed properties out of one object's tree, turning every problem into a `OneCRejection` that
/// points at the element (or, when it is missing, at the object).
struct PropertyReader {
    let node: XMLElementNode
    private let basePath: String
    private let child: (section: String, element: String, index: Int)?

    /// The element's path (`Message/Body/Документ.СчетПокупателю[3]`), made when a rejection needs it.
    var path: String {
        guard let child else { return basePath }
        return "\(basePath)/\(child.section)/\(child.element)[\(child.index)]"
    }

    init(node: XMLElementNode, path: String) {
        self.node = node
        basePath = path
        child = nil
    }

    /// A reader for a repeated element (`Товары/Строка`, number `index` from 1) below `parent`'s path:
    /// building that path for every line of every document cost more than reading the line.
    init(node: XMLElementNode, below parent: PropertyReader, section: String, element: String, index: Int) {
        self.node = node
        basePath = parent.path
        child = (section, element, index)
    }

    func text(_ names: [String]) -> String? { node.value(at: names) }

    /// The first of several alternative paths that has a value (format versions moved some properties).
    func text(anyOf paths: [[String]]) -> String? {
        for names in paths { if let value = text(names) { return value } }
        return nil
    }

    func required(_ names: [String]) throws(OneCRejection) -> String {
        guard let value = text(names) else { throw missing(names) }
        return value
    }

    func missing(_ names: [String]) -> OneCRejection {
        let field = names.joined(separator: "/")
        return OneCRejection(reason: "missing required property \(field)", path: path + "/" + field,
                             line: node.line, field: field)
    }

    /// A typed property: nil when absent or empty; a rejection naming the element when it does not parse.
    func parsed<Value>(_ names: [String], as kind: String, _ parse: (String) -> Value?) throws(OneCRejection)
        -> Value?
    {
        guard let element = node.element(names), let raw = element.trimmedText else { return nil }
        guard let value = parse(raw) else {
            let field = names.joined(separator: "/")
            throw OneCRejection(reason: "\(field) \"\(raw.escapingControlCharacters())\" is not \(kind)", path: path + "/" + field,
                                line: element.line, field: field)
        }
        return value
    }

    func amount(_ names: [String]) throws(OneCRejection) -> ExactAmount? {
        try parsed(names, as: "an amount") { ExactAmount(parsing: $0) }
    }

    func requiredAmount(_ names: [String]) throws(OneCRejection) -> ExactAmount {
        guard let amount = try amount(names) else { throw missing(names) }
        return amount
    }

    /// 1C's "empty date" `0001-01-01` reads as no date.
    func date(_ names: [String]) throws(OneCRejection) -> CalendarDate? {
        guard text(names)?.hasPrefix("0001-01-01") != true else { return nil }
        return try parsed(names, as: "a date") { CalendarDate(isoDate: $0) }
    }

    func requiredDate(_ names: [String]) throws(OneCRejection) -> CalendarDate {
        guard let date = try date(names) else { throw missing(names) }
        return date
    }

    func bool(_ names: [String]) -> Bool? {
        switch text(names)?.lowercased() {
        case "true", "1", "да": return true
        case "false", "0", "нет": return false
        default: return nil
        }
    }
}
