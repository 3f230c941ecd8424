import CRMWarehouse
import Foundation
import HubCore

/// Takes the day's arrears snapshot: each contract's position by `ArrearsCalculator`, aged and classified by
/// the bands of `mappings/loans.yaml`, repayments split by its product's order.
package enum LoanArrearsRun {
    package static func snapshot(warehouse: Warehouse, on date: CalendarDate, settingsPath: String,
                                 replace: Bool = false) async throws -> LoanArrearsStore.Outcome {
        try await snapshot(warehouse: warehouse, on: date, settings: try LoanSettingsLoader.load(path: settingsPath),
                           replace: replace)
    }

    /// With the settings already read (the commands read them before they open the warehouse, so that a wrong
    /// path fails at once and touches nothing).
    package static func snapshot(warehouse: Warehouse, on date: CalendarDate,
                                 settings loaded: (settings: LoanSettings, sha256: String),
                                 replace: Bool = false) async throws -> LoanArrearsStore.Outcome {
        let (settings, sha256) = loaded
        return try await LoanArrearsStore(warehouse: warehouse).snapshot(
            on: date, settingsSHA256: sha256, replace: replace
        ) { contract in
            measure(contract, on: date, settings: settings)
        }
    }

    static func measure(_ contract: LoanArrearsStore.Contract, on date: CalendarDate,
                        settings: LoanSettings) -> LoanArrearsStore.Measured {
        let position = ArrearsCalculator.position(
            instalments: contract.instalments, repayments: contract.repayments, on: date,
            order: settings.product(contract.product).repaymentOrder, graceDays: settings.graceDays)
        let classification = settings.classification.band(for: position.daysPastDue)
        return LoanArrearsStore.Measured(position: position, bucket: settings.buckets.band(for: position.daysPastDue).name,
                                         classification: classification.name,
                                         reservePercent: classification.reservePercent)
    }
}
