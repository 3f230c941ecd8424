import Foundation
import Testing

@testable import Scheduler

@Suite("cron schedules in a time zone")
struct CronScheduleTests {
    static let tashkent = TimeZone(identifier: "Asia/Tashkent")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// An instant written in UTC (`2026-03-29T00:30`).
    func utc(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text + ":00Z")!
    }

    func fires(_ expression: String, after start: String, in zone: TimeZone, count: Int) throws -> [Date] {
        let schedule = try CronSchedule(parsing: expression)
        var fires: [Date] = []
        var instant = utc(start)
        for _ in 0..<count {
            guard let next = schedule.nextFire(after: instant, in: zone) else { break }
            fires.append(next)
            instant = next
        }
        return fires
    }

    @Test("the nightly 02:30 in Tashkent (UTC+5, no daylight saving) is 21:30 UTC the day before")
    func tashkent() throws {
        #expect(try fires("30 2 * * *", after: "2026-11-21T12:00", in: Self.tashkent, count: 3)
                    == ["2026-11-21T21:30", "2026-11-22T21:30", "2026-11-23T21:30"].map(utc))
        // Exactly at a fire time, the next one is the day after.
        #expect(try CronSchedule(parsing: "30 2 * * *").nextFire(after: utc("2026-11-21T21:30"), in: Self.tashkent)
                    == utc("2026-11-22T21:30"))
    }

    @Test("Berlin, 29 March 2026: 02:00–03:00 does not exist; a job due then runs at 03:00, once")
    func springForward() throws {
        // 02:30 local is skipped: it runs at 03:00 CEST (01:00 UTC), then at 02:30 CEST the next day.
        #expect(try fires("30 2 * * *", after: "2026-03-28T12:00", in: Self.berlin, count: 3)
                    == ["2026-03-29T01:00", "2026-03-30T00:30", "2026-03-31T00:30"].map(utc))
        // Every 15 minutes: 01:45 CET, then 02:00–02:45 collapse into one run at 03:00 CEST, then 03:15.
        #expect(try fires("*/15 * * * *", after: "2026-03-29T00:30", in: Self.berlin, count: 3)
                    == ["2026-03-29T00:45", "2026-03-29T01:00", "2026-03-29T01:15"].map(utc))
    }

    @Test("Berlin, 25 October 2026: 02:00–03:00 happens twice; a job due then runs once, the first time")
    func fallBack() throws {
        // 02:30 CEST is 00:30 UTC; the second 02:30 (CET, 01:30 UTC) is not a second run.
        #expect(try fires("30 2 * * *", after: "2026-10-24T12:00", in: Self.berlin, count: 2)
                    == ["2026-10-25T00:30", "2026-10-26T01:30"].map(utc))
        // Every 30 minutes through the repeated hour: 02:00 and 02:30 once each, then 03:00 CET.
        #expect(try fires("*/30 * * * *", after: "2026-10-24T23:45", in: Self.berlin, count: 4)
                    == ["2026-10-25T00:00", "2026-10-25T00:30", "2026-10-25T02:00", "2026-10-25T02:30"].map(utc))
        // Asked from inside the second pass of the hour, the next run is after it, not back in the first.
        #expect(try CronSchedule(parsing: "45 2 * * *").nextFire(after: utc("2026-10-25T01:40"), in: Self.berlin)
                    == utc("2026-10-26T01:45"))
    }

    @Test("fields: lists, ranges, steps, names, Sunday as 7, and Vixie's either-day rule")
    func fields() throws {
        // 13th of the month or any Friday.
        #expect(try fires("0 9 13 * FRI", after: "2026-11-01T00:00", in: Self.tashkent, count: 4)
                    == ["2026-11-06T04:00", "2026-11-13T04:00", "2026-11-20T04:00", "2026-11-27T04:00"].map(utc))
        #expect(try fires("0 9 13 * *", after: "2026-11-01T00:00", in: Self.tashkent, count: 2)
                    == ["2026-11-13T04:00", "2026-12-13T04:00"].map(utc))
        #expect(try fires("5,35 8-9 * JAN-MAR/2 7", after: "2026-01-01T00:00", in: Self.tashkent, count: 5)
                    == ["2026-01-04T03:05", "2026-01-04T03:35", "2026-01-04T04:05", "2026-01-04T04:35",
                        "2026-01-11T03:05"].map(utc))
        #expect(try fires("@daily", after: "2026-11-21T12:00", in: Self.tashkent, count: 1) == [utc("2026-11-21T19:00")])
        // 29 February: years ahead; 30 February: never.
        #expect(try fires("0 0 29 2 *", after: "2026-03-01T00:00", in: Self.tashkent, count: 1)
                    == [utc("2028-02-28T19:00")])
        #expect(try CronSchedule(parsing: "0 0 30 2 *").nextFire(after: utc("2026-01-01T00:00"), in: Self.tashkent)
                    == nil)
    }

    @Test("errors name what is wrong and the column", arguments: [
        ("30 2 * *", "5 fields", 1),
        ("0 30 2 * * *", "no seconds field", 1),
        ("61 2 * * *", "61 is outside the minute field's 0–59", 1),
        ("30 2 * * MOX", "\"MOX\" is not a day of week", 10),
        ("30 2 * JAN-DEX *", "\"DEX\" is not a month", 12),
        ("*/0 2 * * *", "whole number above 0", 3),
        ("30 5-2 * * *", "runs backwards", 4),
        ("30 2,,3 * * *", "empty item in the hour field", 6),
    ])
    func errors(expression: String, message: String, column: Int) {
        do {
            _ = try CronSchedule(parsing: expression)
            Issue.record("\(expression) should not parse")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.column == column, "\(expression): \(error.message)")
        }
    }
}
