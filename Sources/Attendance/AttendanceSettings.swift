import Connectors
import Foundation
import HubCore

/// Everything `mappings/attendance.yaml` says (docs/attendance.md): the pairing rules, the zone shifts and
/// devices keep time in, and how each kind of punch file is read.
package struct AttendanceSettings: Sendable {
    package var rules = AttendanceRules()
    /// The zone of shifts, and of devices that name none of their own.
    package var timeZone = TimeZone(identifier: "Asia/Tashkent")!
    package var zkteco = ZKTecoSettings()
    package var turnstile = TurnstileSettings()

    package init() {}

    /// The person-map source whose keys are personnel numbers themselves: they stand for the employee with that
    /// number without a line in the person map.
    package static let personnelNumberSource = "personnel_number"

    /// `skud-zkteco`: terminals' USB downloads.
    package struct ZKTecoSettings: Sendable {
        /// The person map's `source` for terminal PINs.
        package var source = "zkteco"
        package var layout = ZKTecoLogLayout.default
        /// Device number → its zone, for terminals elsewhere than `timeZone`.
        package var deviceTimeZones: [String: TimeZone] = [:]
        package init() {}
    }

    /// `skud-csv`: turnstile systems' event exports.
    package struct TurnstileSettings: Sendable {
        /// The person map's `source` for the export's person key (by default its card numbers).
        package var source = "card"
        package var layout = TurnstileExportLayout.default
        /// The export's zone; nil: `timeZone`.
        package var timeZone: TimeZone?
        package init() {}
    }

    /// The zone a ZKTeco device's wall clock is read in.
    package func zone(ofTerminal device: String) -> TimeZone {
        zkteco.deviceTimeZones[device] ?? timeZone
    }
}
