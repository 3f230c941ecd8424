import Foundation
import HubConfiguration
import HubCore
@testable import Loans
import Testing

@Suite struct LoanSettingsTests {
    @Test func theBundledFileReads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../mappings/loans.yaml")
        let (settings, diagnostics) = LoanSettingsLoader.load(try String(contentsOf: url, encoding: .utf8),
                                                              file: "mappings/loans.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let read = try #require(settings)
        #expect(read.buckets == .agingDefault)
        #expect(read.classification == .classificationDefault)
        #expect(read.product("CONSUMER-SUM").rounding == .wholeSum)
        #expect(read.product("unknown").rounding == .tiyin)
    }

    @Test func bandsStartWhereTheLastEnded() throws {
        let text = """
            version: 1
            buckets:
              - {name: current, max_days: 0}
              - {name: "1-90", max_days: 90}
              - {name: "91+"}
            """
        let (settings, diagnostics) = LoanSettingsLoader.load(text, file: "loans.yaml")
        #expect(diagnostics.isEmpty)
        let buckets = try #require(settings).buckets
        #expect(buckets.band(for: 90).name == "1-90")
        #expect(buckets.band(for: 91).name == "91+")
    }

    @Test func problemsAreReportedWithTheirLines() throws {
        let text = """
            version: 1
            buckets:
              - {name: current, max_days: 0}
              - {name: late, max_days: 30}
            products:
              CARD: {rounding: kopek, repayment_order: [principal, interest]}
            grace_dayz: 3
            """
        let (settings, diagnostics) = LoanSettingsLoader.load(text, file: "loans.yaml")
        #expect(settings == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.count == 4, "\(messages)")
        #expect(messages.contains { $0.contains("loans.yaml:3") && $0.contains("must be open") })
        #expect(messages.contains { $0.contains("loans.yaml:6") && $0.contains("rounding must be one of") })
        #expect(messages.contains { $0.contains("repayment_order must list penalty, interest and principal") })
        #expect(messages.contains { $0.contains("grace_dayz") && $0.contains("grace_days") })
    }
}
