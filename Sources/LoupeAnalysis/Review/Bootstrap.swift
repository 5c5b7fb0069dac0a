import Foundation
import LoupeTensor

/// Seeded percentile bootstrap intervals: the same seed gives the same interval on every rerun.
public enum Bootstrap {
    /// The percentile interval of `statistic` over `resamples` resamples (with replacement) of `count` items.
    ///
    /// `statistic` receives the resampled item indices. The interval is the (1 − level)/2 and
    /// (1 + level)/2 quantiles (linear interpolation, as NumPy's default `percentile`) of the
    /// resampled statistics; SciPy `bootstrap(..., method="percentile")` gives the same interval up
    /// to Monte Carlo error.
    public static func percentileInterval(count: Int, resamples: Int = 2000, level: Double = 0.95, seed: UInt64,
                                          statistic: ([Int]) -> Double) -> (lower: Double, upper: Double) {
        guard count > 0, resamples > 0 else { return (.nan, .nan) }
        var generator = SeededGenerator(seed: seed)
        var values = [Double]()
        values.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for i in 0..<count { indices[i] = Int(generator.next() % UInt64(count)) }
            values.append(statistic(indices))
        }
        values.sort()
        return (quantile(values, (1 - level) / 2), quantile(values, (1 + level) / 2))
    }

    /// The `q` quantile of sorted values with linear interpolation between order statistics.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        guard below + 1 < sorted.count else { return sorted.last ?? first }
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below])
    }

    /// Expected calibration error of top-1 predictions with `bins` equal-width bins (k/B, (k+1)/B], 0 in the first.
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool], bins: Int = 15) -> Double {
        expectedCalibrationError(confidences: confidences, correct: correct, indices: Array(confidences.indices), bins: bins)
    }

    /// Expected calibration error of the predictions at `indices` (repeats count again, as in a resample).
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool], indices: [Int], bins: Int = 15) -> Double {
        var calibration = CalibrationBins(binCount: bins)
        for i in indices where i < confidences.count && i < correct.count {
            calibration.add(confidence: confidences[i], correct: correct[i])
        }
        return calibration.expectedCalibrationError
    }
}
