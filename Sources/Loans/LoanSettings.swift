import Foundation
import HubCore

/// `mappings/loans.yaml`: how arrears are aged and classified, and the products' own settings.
public struct LoanSettings: Sendable, Equatable {
    /// A product's settings; a contract whose product is not listed uses `defaultProduct`.
    public struct Product: Sendable, Equatable {
        public var rounding: RoundingUnit = .tiyin
        /// What an unsplit repayment pays first.
        public var repaymentOrder: [RepaymentComponent] = RepaymentComponent.allCases

        public init(rounding: RoundingUnit = .tiyin,
                    repaymentOrder: [RepaymentComponent] = RepaymentComponent.allCases) {
            self.rounding = rounding
            self.repaymentOrder = repaymentOrder
        }
    }

    public var buckets: DelinquencyBands = .agingDefault
    public var classification: DelinquencyBands = .classificationDefault
    /// Days after a due date before an unpaid instalment starts to count as overdue (Fineract's "grace on
    /// arrears ageing"); 0 by default.
    public var graceDays = 0
    public var defaultProduct = Product()
    public var products: [String: Product] = [:]

    public init() {}

    public func product(_ name: String?) -> Product {
        name.flatMap { products[$0] } ?? defaultProduct
    }
}
