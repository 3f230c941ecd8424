import Attendance
import HubCore
import Testing

/// Randomly generated well-formed days: the engine's minutes and instants equal an independent computation.
@Suite struct PropertyTests {
    private static let entries: [PunchDirection] = [.checkIn, .breakIn, .overtimeIn]
    private static let exits: [PunchDirection] = [.checkOut, .breakOut, .overtimeOut]
    private static let devices = ["zkteco:1", "zkteco:2", "skud:Турникет 1"]

    @Test func alternatingDaysAddUp() throws {
        var generator = SplitMix64(seed: 0x5EED_2026_0706)
        // 08:00–20:00 every day, grace 10, window 06:00–24:00.
        let shift = try officeShift(start: "08:00", end: "20:00", workdays: "Mon-Sun", before: 120, after: 240)
        let july = try #require(AttendanceMonth.dates(ofMonth: "2026-07"))
        for iteration in 0..<200 {
            let dayOffset = Int.random(in: 0..<31, using: &generator)
            let workDate = july.lowerBound.adding(days: dayOffset)
            let midnight = try tashkent(workDate.iso, "00:00:00")
            var punches: [AttendancePunch] = []
            var nextID: Int64 = Int64(iteration) * 1000
            func add(_ at: Int64, _ direction: PunchDirection) {
                nextID += 1
                punches.append(AttendancePunch(
                    id: nextID, personnelNumber: person, at: at, direction: direction,
                    device: Self.devices.randomElement(using: &generator) ?? "zkteco:1"))
            }

            var cursor = midnight + 6 * 3600 + Int64.random(in: 0...10_800, using: &generator)
            let firstEntry = cursor
            var expectedSeconds: Int64 = 0
            var lastExit: Int64 = 0
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let entry = cursor
                add(entry, Self.entries.randomElement(using: &generator) ?? .checkIn)
                // Duplicates of the entry within the collapse window: the first one counts.
                for _ in 0..<Int.random(in: 0...2, using: &generator) {
                    cursor += Int64.random(in: 0...60, using: &generator)
                    add(cursor, Self.entries.randomElement(using: &generator) ?? .checkIn)
                }
                cursor += Int64.random(in: 61...9_000, using: &generator)
                add(cursor, Self.exits.randomElement(using: &generator) ?? .checkOut)
                // Duplicates of the exit: the last one counts.
                for _ in 0..<Int.random(in: 0...2, using: &generator) {
                    cursor += Int64.random(in: 0...60, using: &generator)
                    add(cursor, Self.exits.randomElement(using: &generator) ?? .checkOut)
                }
                expectedSeconds += cursor - entry
                lastExit = cursor
                cursor += Int64.random(in: 1...2_700, using: &generator)
            }
            punches.shuffle(using: &generator)

            let rows = AttendanceCalculator.days(
                for: person, dates: workDate...workDate, shift: shift, absences: [], employment: EmploymentSpan(),
                punches: punches, zone: try zone("Asia/Tashkent"), rules: AttendanceRules(),
                deviceHighWater: everythingHeard)
            let day = try #require(rows.first)
            let onTimeUntil = midnight + 8 * 3600 + 10 * 60
            #expect(day.workedMinutes == Int(expectedSeconds / 60), "iteration \(iteration)")
            #expect(day.firstIn == firstEntry, "iteration \(iteration)")
            #expect(day.lastOut == lastExit, "iteration \(iteration)")
            #expect(day.status == (firstEntry > onTimeUntil ? .late : .present), "iteration \(iteration)")
            #expect(day.punchIDs == punches.sorted { ($0.at, $0.id) < ($1.at, $1.id) }.map(\.id), "iteration \(iteration)")
        }
    }
}
