import Foundation

/// Named ranges of days past due, inclusive at both ends, the last one open: the aging buckets (`current`,
/// `1–30`, `31–60`, `61–90`, `90+`) and, separately, the supervisory classification (standard … loss).
public struct DelinquencyBands: Sendable, Equatable {
    public struct Band: Sendable, Equatable {
        public var name: String
        public var minimumDays: Int
        /// Nil for the last, open band.
        public var maximumDays: Int?
        /// The loan-loss reserve the classification asks for, in percent of the principal (classification only).
        public var reservePercent: Decimal?

        public init(name: String, minimumDays: Int, maximumDays: Int?, reservePercent: Decimal? = nil) {
            self.name = name
            self.minimumDays = minimumDays
            self.maximumDays = maximumDays
            self.reservePercent = reservePercent
        }
    }

    public private(set) var bands: [Band]

    /// Bands that start at 0 and follow one another without gap or overlap, the last open; else why not.
    public init(_ bands: [Band]) throws(DelinquencyBandsProblem) {
        guard let first = bands.first else { throw .empty }
        guard first.minimumDays == 0 else { throw .doesNotStartAtZero(first.name) }
        for (band, next) in zip(bands, bands.dropFirst()) {
            guard let maximum = band.maximumDays else { throw .openBandNotLast(band.name) }
            guard maximum >= band.minimumDays else { throw .emptyRange(band.name) }
            guard next.minimumDays == maximum + 1 else { throw .gapOrOverlap(band.name, next.name) }
        }
        guard bands.last!.maximumDays == nil else { throw .lastBandClosed(bands.last!.name) }
        guard Set(bands.map(\.name)).count == bands.count else { throw .duplicateName }
        self.bands = bands
    }

    /// The band `daysPastDue` falls in.
    public func band(for daysPastDue: Int) -> Band {
        bands.last { $0.minimumDays <= max(0, daysPastDue) }!
    }

    /// The aging buckets of reference §4.1: day 30 → `1–30`, day 31 → `31–60`, day 90 → `61–90`, day 91 → `90+`.
    public static let agingDefault = try! DelinquencyBands([
        Band(name: "current", minimumDays: 0, maximumDays: 0),
        Band(name: "1–30", minimumDays: 1, maximumDays: 30),
        Band(name: "31–60", minimumDays: 31, maximumDays: 60),
        Band(name: "61–90", minimumDays: 61, maximumDays: 90),
        Band(name: "90+", minimumDays: 91, maximumDays: nil),
    ])

    /// The CBU classification's five categories (regulation No. 2696). The day thresholds and reserves are not
    /// confirmed (reference §4.1, §8): these are assumptions, and `mappings/loans.yaml` replaces them.
    public static let classificationDefault = try! DelinquencyBands([
        Band(name: "standard", minimumDays: 0, maximumDays: 30, reservePercent: 1),
        Band(name: "substandard", minimumDays: 31, maximumDays: 90, reservePercent: 10),
        Band(name: "unsatisfactory", minimumDays: 91, maximumDays: 180, reservePercent: 25),
        Band(name: "doubtful", minimumDays: 181, maximumDays: 365, reservePercent: 50),
        Band(name: "loss", minimumDays: 366, maximumDays: nil, reservePercent: 100),
    ])
}

/// Why a list of bands cannot classify every day count exactly once.
public enum DelinquencyBandsProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case doesNotStartAtZero(String)
    case openBandNotLast(String)
    case emptyRange(String)
    case gapOrOverlap(String, String)
    case lastBandClosed(String)
    case duplicateName

    public var description: String {
        switch self {
        case .empty: "there must be at least one band"
        case .doesNotStartAtZero(let name): "the first band '\(name)' must start at 0 days"
        case .openBandNotLast(let name): "only the last band may be open, not '\(name)'"
        case .emptyRange(let name): "band '\(name)' ends before it starts"
        case .gapOrOverlap(let band, let next):
            "band '\(next)' must start the day after '\(band)' ends (no gap, no overlap)"
        case .lastBandClosed(let name): "the last band '\(name)' must be open (no max_days)"
        case .duplicateName: "two bands have the same name"
        }
    }
}
