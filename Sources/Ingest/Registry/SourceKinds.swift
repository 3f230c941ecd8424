import Foundation
import HubCore

/// The one list of source kinds. Adding a kind is adding its line here (docs/architecture.md).
package enum SourceKinds {
    package static let all: [any SourceKind] = [
        Bank1CSourceKind(),
        StatementFileSourceKind(format: .camt053),
        StatementFileSourceKind(format: .mt940),
        ReferenceFileSourceKind(content: .exchangeRates),
        ReferenceFileSourceKind(content: .paymentRegistry),
        LoanFileSourceKind(content: .contracts),
        LoanFileSourceKind(content: .operations),
        ReferenceFileSourceKind(content: .bureauResponses),
        OneCSourceKind(format: .enterpriseData),
        OneCSourceKind(format: .commerceML),
        OneCSourceKind(format: .zupEnterpriseData),
        ZUPODataSourceKind(),
        HRFileSourceKind(layout: .shifts),
        HRFileSourceKind(layout: .absences),
        HRFileSourceKind(layout: .personMap),
        PunchSourceKind(device: .zkteco),
        PunchSourceKind(device: .turnstile),
        CallLogSourceKind(format: .mangoStats),
        MangoAPISourceKind(),
        CallLogSourceKind(format: .asteriskCDR),
        CalendarICSSourceKind(),
        ExchangeSourceKind(),
    ]

    package static var ids: [String] { all.map(\.id) }

    package static func named(_ id: String) -> (any SourceKind)? {
        all.first { $0.id == id }
    }

    /// Every table some kind writes, with the columns data-quality tests may name (merged across kinds).
    package static var tables: [String: [String]] {
        var tables: [String: [String]] = [:]
        for kind in all {
            for table in kind.tables {
                var columns = tables[table.name] ?? []
                for column in table.testableColumns where !columns.contains(column) { columns.append(column) }
                tables[table.name] = columns
            }
        }
        return tables
    }

    /// The tables data-quality tests may name: those with columns to test.
    package static var testableTables: [String: [String]] { tables.filter { !$0.value.isEmpty } }

    /// The tables `crmhub db status` counts, in the kinds' order, then the operations tables every load writes.
    package static var statusTables: [String] {
        var names: [String] = []
        for kind in all { for table in kind.tables where !names.contains(table.name) { names.append(table.name) } }
        return names + ["ops.batches", "ops.quarantine"]
    }
}
