import Foundation

/// Five-number summary of per-image scores (finite values only): minimum, quartiles, maximum.
///
/// Quartiles interpolate linearly between order statistics (NumPy's default `percentile`).
public struct Spread: Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var lowerQuartile: Double
    public var median: Double
    public var upperQuartile: Double
    public var max: Double

    /// The summary of the finite values; nil when there are none.
    public init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first, let last = sorted.last else { return nil }
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = Swift.min(low + 1, sorted.count - 1)
            return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
        }
        count = sorted.count
        min = first
        lowerQuartile = quantile(0.25)
        median = quantile(0.5)
        upperQuartile = quantile(0.75)
        max = last
    }
}
