import LoupeTensor

/// Summary numbers of one weight tensor (docs/feature-visualisation.md#weights).
public struct WeightStatistics: Sendable, Equatable {
    /// Initializer name.
    public var name: String
    public var shape: [Int]
    /// Number of scalars.
    public var count: Int
    /// Mean and population standard deviation of the finite values.
    public var mean: Double
    public var std: Double
    public var min: Double
    public var max: Double
    /// Euclidean norm of the finite values.
    public var l2Norm: Double
    /// Fraction of values with `|w| < nearZeroRelative · max|w|` (all zero weights count as near zero).
    public var nearZeroFraction: Double
    /// NaN and infinite values (left out of every other statistic).
    public var nonFiniteCount: Int

    /// The relative threshold of `nearZeroFraction`: 1e-3 of the largest magnitude in the tensor.
    public static let nearZeroRelative = 1e-3

    /// Computes the statistics of `tensor` in double precision.
    public init(name: String, tensor: Tensor) {
        self.name = name
        shape = tensor.shape
        count = tensor.count
        var sum = 0.0, squares = 0.0, lo = Double.infinity, hi = -Double.infinity, largest = 0.0
        var finite = 0, bad = 0
        for v in tensor.scalars {
            guard v.isFinite else { bad += 1; continue }
            let d = Double(v)
            sum += d; squares += d * d; finite += 1
            lo = Swift.min(lo, d); hi = Swift.max(hi, d); largest = Swift.max(largest, abs(d))
        }
        nonFiniteCount = bad
        mean = finite > 0 ? sum / Double(finite) : .nan
        var centred = 0.0
        for v in tensor.scalars where v.isFinite { centred += (Double(v) - mean) * (Double(v) - mean) }
        std = finite > 0 ? (centred / Double(finite)).squareRoot() : .nan
        min = finite > 0 ? lo : .nan
        max = finite > 0 ? hi : .nan
        l2Norm = squares.squareRoot()
        let threshold = WeightStatistics.nearZeroRelative * largest
        var small = 0
        for v in tensor.scalars where v.isFinite && (largest == 0 || abs(Double(v)) < threshold) { small += 1 }
        nearZeroFraction = finite > 0 ? Double(small) / Double(finite) : .nan
    }
}

/// A histogram with equal bins over a fixed range.
public struct Histogram: Sendable, Equatable {
    /// Lower and upper edge of the whole range.
    public var lower: Double
    public var upper: Double
    /// Counts per bin; the last bin includes `upper`.
    public var counts: [Int]

    /// Bins the finite values of `values` into `bins` equal bins over their min...max (a zero-width range is widened by 0.5).
    public init(_ values: [Float], bins: Int = 100) {
        let n = Swift.max(1, bins)
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        if lo > hi { lo = 0; hi = 1 }
        var low = Double(lo), high = Double(hi)
        if high <= low { low -= 0.5; high += 0.5 }
        lower = low; upper = high
        var counts = [Int](repeating: 0, count: n)
        let scale = Double(n) / (high - low)
        for v in values where v.isFinite {
            let bin = Swift.min(n - 1, Swift.max(0, Int((Double(v) - low) * scale)))
            counts[bin] += 1
        }
        self.counts = counts
    }
}

/// Display scaling of filters (docs/feature-visualisation.md#weights: torchvision `make_grid(normalize=True, scale_each=True)`).
public enum FilterScaling {
    /// Maps `values` linearly so their own min becomes 0 and max 255: `(w − lo) / max(hi − lo, 1e-5)`.
    public static func bytesScaledOnTheirOwn(_ values: [Float]) -> [UInt8] {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        if lo > hi { return [UInt8](repeating: 0, count: values.count) }
        return bytes(values, lower: lo, upper: hi)
    }

    /// Maps `values` from `lower...upper` to 0...255 (clamped; non-finite values give 0).
    public static func bytes(_ values: [Float], lower: Float, upper: Float) -> [UInt8] {
        let span = max(upper - lower, 1e-5)
        return values.map { v in
            guard v.isFinite else { return 0 }
            let t = min(max((v - lower) / span, 0), 1)
            return UInt8((t * 255).rounded())
        }
    }
}
