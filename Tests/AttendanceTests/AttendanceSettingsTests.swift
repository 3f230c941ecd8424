import Foundation
import HubCore
import Testing

@testable import Attendance

/// mappings/attendance.yaml: read like every configuration file, defaults where it is silent.
@Suite("attendance settings")
struct AttendanceSettingsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    @Test("the repository's settings read without a problem and say what the defaults say")
    func repositoryFile() throws {
        let path = Self.repository.appendingPathComponent("mappings/attendance.yaml").path
        let (settings, sha256) = try AttendanceSettingsLoader.load(path: path)
        #expect(sha256.count == 64)
        #expect(settings.timeZone.identifier == "Asia/Tashkent")
        #expect(settings.rules.collapseSeconds == 60)
        #expect(settings.zkteco.layout == .default)
        #expect(settings.turnstile.layout == .default)
    }

    @Test("every problem at its line, with did-you-mean")
    func diagnostics() {
        let (settings, diagnostics) = AttendanceSettingsLoader.load("""
            version: 1
            timezone: Asia/Tashknt
            collapse_second: 60
            unknown_direction: guess
            zkteco:
              columns: [pin, tme]
              states: {"0": inn}
            turnstile:
              person_key: badge
              entry_words: [Вход]
              exit_words: [Вход]
            """, file: "attendance.yaml")
        #expect(settings == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:2:") && $0.contains("did you mean 'Asia/Tashkent'") },
                "\(messages)")
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:3:") && $0.contains("did you mean 'collapse_seconds'") })
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:4:") && $0.contains("alternate, incomplete") })
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:6:") && $0.contains("did you mean 'time'") })
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:7:") && $0.contains("'inn'") })
        #expect(messages.contains { $0.hasPrefix("attendance.yaml:9:") && $0.contains("card, personnel_number") })
        #expect(messages.contains { $0.contains("share Вход") })
    }

    @Test("a turnstile export keyed by personnel number needs no person map")
    func personnelNumberKeys() throws {
        let (settings, diagnostics) = AttendanceSettingsLoader.load("""
            version: 1
            turnstile: {person_key: personnel_number, timezone: Asia/Samarkand}
            """, file: "a.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(settings?.turnstile.source == AttendanceSettings.personnelNumberSource)
        #expect(settings?.turnstile.timeZone?.identifier == "Asia/Samarkand")
    }
}
