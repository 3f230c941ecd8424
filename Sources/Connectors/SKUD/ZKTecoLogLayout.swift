import HubCore

/// How a ZKTeco terminal's USB download (`<device>_attlog.dat`) lays out its tab-separated fields, and what
/// its state numbers mean.
///
/// The default is the layout observed on real files: PIN (right-aligned, padded with spaces), local time
/// `YYYY-MM-DD HH:MM:SS`, device number, state (0 in, 1 out, 2 break-out, 3 break-in, 4/5 overtime in/out),
/// verify mode, work code. Community parsers disagree on the order of the small numbers (the reference's
/// unconfirmed list), so the order and the state meanings are settings (`zkteco` in `mappings/attendance.yaml`).
public struct ZKTecoLogLayout: Sendable, Equatable {
    /// The fields a layout may name.
    public enum Field: String, Sendable, CaseIterable {
        case pin, time, device, state, verify, workcode, ignore
    }

    public var columns: [Field]
    /// State number → direction; a state not listed is `unknown` (terminals without state keys send 255).
    public var states: [String: PunchDirection]

    public static let `default` = ZKTecoLogLayout(
        columns: [.pin, .time, .device, .state, .verify, .workcode],
        states: ["0": .checkIn, "1": .checkOut, "2": .breakOut, "3": .breakIn, "4": .overtimeIn, "5": .overtimeOut])

    public init(columns: [Field], states: [String: PunchDirection]) {
        self.columns = columns
        self.states = states
    }

    /// The punch on one line of the file, or why it cannot be read. `deviceFromName`: the device number the
    /// file's name gives (`1_attlog.dat`), used when the layout has no device column.
    public func punch(_ row: DelimitedTextFile.Row, deviceFromName: String?) -> Result<PunchRecord, LineRejection> {
        func reject(_ reason: String, _ field: String? = nil) -> Result<PunchRecord, LineRejection> {
            .failure(LineRejection(line: row.line, reason: reason, field: field, raw: row.text))
        }
        let fields = row.fields.map(\.trimmingSpacesAndTabs)
        guard fields.count >= columns.count else {
            return reject("\(fields.count) field(s), the layout expects \(columns.count) (\(columns.map(\.rawValue).joined(separator: ", ")))")
        }
        func value(_ field: Field) -> String? {
            columns.firstIndex(of: field).map { fields[$0] }
        }
        guard let pin = value(.pin), !pin.isEmpty else { return reject("no PIN", "pin") }
        guard let timeText = value(.time), let time = LocalDateTime(isoText: timeText) else {
            return reject("the time '\(value(.time) ?? "")' is not YYYY-MM-DD HH:MM:SS", "time")
        }
        guard let device = value(.device) ?? deviceFromName, !device.isEmpty else {
            return reject("no device number (neither a device column nor a file named <device>_attlog.dat)", "device")
        }
        let direction = value(.state).flatMap { states[$0] } ?? .unknown
        return .success(PunchRecord(line: row.line, personKey: pin, localTime: time, device: device,
                                    direction: direction, event: .pass, raw: row.text))
    }

    /// `1_attlog.dat` → `1`; nil for other names.
    public static func deviceNumber(fromFileName name: String) -> String? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard base.lowercased().hasSuffix("_attlog.dat") else { return nil }
        let number = base.dropLast("_attlog.dat".count)
        return number.isEmpty ? nil : String(number)
    }
}
