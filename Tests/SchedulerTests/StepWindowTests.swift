import HubCore
@testable import Scheduler
import Testing

@Suite("step windows")
struct StepWindowTests {
    @Test("days: N means the run's day and the N − 1 before it, for the reconcile step and the report alike")
    func lastDays() throws {
        let day = try #require(CalendarDate(isoDate: "2026-03-31"))
        #expect(StepRun.firstDay(ofLast: 31, upTo: day).iso == "2026-03-01")
        #expect(StepRun.firstDay(ofLast: 1, upTo: day).iso == "2026-03-31")
        #expect(StepRun.firstDay(ofLast: 7, upTo: CalendarDate(isoDate: "2026-03-03")!).iso == "2026-02-25")
    }
}
