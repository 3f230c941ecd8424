import Foundation
import HubConfiguration
import HubCore
import Yams

/// Reads `mappings/loans.yaml` like every configuration file: all problems in one pass with line and column,
/// unknown keys refused with a suggestion; what is left out keeps the default docs/loans.md states.
package enum LoanSettingsLoader {
    package static let defaultPath = "mappings/loans.yaml"

    static let topLevelKeys = ["version", "description", "grace_days", "buckets", "classification", "default_product",
                               "products"]
    static let bandKeys = ["name", "max_days", "reserve_percent"]
    static let productKeys = ["rounding", "repayment_order"]
    /// `rounding` as people write it.
    static let roundingNames: [String: RoundingUnit] = ["tiyin": .tiyin, "sum": .wholeSum]

    package static func isSettingsFile(_ path: String) -> Bool {
        URL(fileURLWithPath: path).lastPathComponent.hasPrefix("loans")
    }

    package static func load(_ text: String, file: String) -> (LoanSettings?, [ConfigDiagnostic]) {
        var reader = ConfigReader(file: file)
        let settings = read(text, reader: &reader)
        return (reader.diagnostics.contains { $0.severity == .error } ? nil : settings, reader.diagnostics)
    }

    /// The settings at `path` with the file's SHA-256; the defaults when `path` is the default and absent.
    package static func load(path: String) throws -> (settings: LoanSettings, sha256: String) {
        try SettingsFile.load(path: path, defaultPath: defaultPath, what: "loan settings", defaults: LoanSettings(),
                              parse: load)
    }

    private static func read(_ text: String, reader: inout ConfigReader) -> LoanSettings? {
        guard let root = reader.root(of: text) else { return nil }
        let place = "a loan settings file"
        guard let entries = reader.mapping(root, known: topLevelKeys, in: place) else { return nil }
        if let version = reader.required("version", in: entries, parent: root, place: place),
           version.scalar?.string != "1" {
            reader.error(at: version, "this CRMHub reads loan settings of version 1")
        }
        _ = reader.string(entries["description"]?.value, "description")
        var settings = LoanSettings()
        settings.graceDays = reader.integer(entries["grace_days"]?.value, "grace_days", atLeast: 0) ?? 0
        if let node = entries["buckets"]?.value, let bands = bands(node, "buckets", reserves: false, reader: &reader) {
            settings.buckets = bands
        }
        if let node = entries["classification"]?.value,
           let bands = bands(node, "classification", reserves: true, reader: &reader) {
            settings.classification = bands
        }
        if let node = entries["default_product"]?.value {
            settings.defaultProduct = product(node, "default_product", base: LoanSettings.Product(), reader: &reader)
        }
        if let node = entries["products"]?.value {
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let name = reader.string(key, "products") else { continue }
                    settings.products[name] = product(value, "product \(name)", base: settings.defaultProduct,
                                                      reader: &reader)
                }
            } else {
                reader.error(at: node, "products must map product codes to their settings")
            }
        }
        return settings
    }

    /// A list of bands, each starting the day after the one before ends.
    private static func bands(_ node: Node, _ what: String, reserves: Bool,
                              reader: inout ConfigReader) -> DelinquencyBands? {
        guard let sequence = node.sequence, !sequence.isEmpty else {
            reader.error(at: node, "\(what) must be a list of bands such as {name: current, max_days: 0}")
            return nil
        }
        var bands: [DelinquencyBands.Band] = []
        var start = 0
        for item in sequence {
            let known = reserves ? bandKeys : bandKeys.filter { $0 != "reserve_percent" }
            guard let entries = reader.mapping(item, known: known, in: "a band of \(what)"),
                  let nameNode = reader.required("name", in: entries, parent: item, place: "a band of \(what)"),
                  let name = reader.string(nameNode, "\(what) name") else { return nil }
            let maximum = reader.integer(entries["max_days"]?.value, "\(what) \(name) max_days", atLeast: start)
            if entries["max_days"] != nil && maximum == nil { return nil }
            var reserve: Decimal?
            if let reserveNode = entries["reserve_percent"]?.value {
                guard let text = reader.string(reserveNode, "\(what) \(name) reserve_percent"),
                      let value = Decimal(string: text), value >= 0, value <= 100 else {
                    reader.error(at: reserveNode, "\(what) \(name) reserve_percent must be a number from 0 to 100")
                    return nil
                }
                reserve = value
            }
            bands.append(.init(name: name, minimumDays: start, maximumDays: maximum, reservePercent: reserve))
            start = (maximum ?? start) + 1
        }
        do throws(DelinquencyBandsProblem) {
            return try DelinquencyBands(bands)
        } catch {
            reader.error(at: node, "\(what): \(error)")
            return nil
        }
    }

    private static func product(_ node: Node, _ what: String, base: LoanSettings.Product,
                                reader: inout ConfigReader) -> LoanSettings.Product {
        var product = base
        guard let entries = reader.mapping(node, known: productKeys, in: what) else { return product }
        if let name = reader.choice(entries["rounding"]?.value, "\(what) rounding",
                                    allowed: roundingNames.keys.sorted()) {
            product.rounding = roundingNames[name]!
        }
        if let orderNode = entries["repayment_order"]?.value,
           let names = reader.strings(orderNode, "\(what) repayment_order") {
            let components = names.compactMap(RepaymentComponent.init(rawValue:))
            if components.count != names.count || Set(components).count != RepaymentComponent.allCases.count {
                reader.error(at: orderNode, "\(what) repayment_order must list penalty, interest and principal once "
                                 + "each, in the order an unsplit repayment pays them")
            } else {
                product.repaymentOrder = components
            }
        }
        return product
    }
}
