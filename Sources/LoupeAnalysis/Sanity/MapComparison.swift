import Foundation
import LoupeTensor

/// The four similarities of one pair of maps (original vs. randomised model), Adebayo et al.'s recipe.
public struct SimilarityScores: Sendable, Equatable {
    /// Spearman ρ of the N-abs99 maps (Σ|a| over channels, clipped at the 99th percentile).
    public var spearmanAbs: Double
    /// Spearman ρ of the N-div99 maps (Σa over channels, diverging, clipped at ±P99 of |Σa|).
    public var spearmanSigned: Double
    /// SSIM of the N-01 maps (min–max over the whole C x H x W tensor; Gaussian window; data range 2.0).
    public var ssim: Double
    /// Spearman ρ of the HOG descriptors of the N-01 maps.
    public var hog: Double
    /// True when either map was empty (`EmptyMaps.isEmpty`); every measure is then NaN and left out of means.
    public var empty: Bool

    /// Creates a set of scores.
    public init(spearmanAbs: Double, spearmanSigned: Double, ssim: Double, hog: Double, empty: Bool = false) {
        self.spearmanAbs = spearmanAbs; self.spearmanSigned = spearmanSigned; self.ssim = ssim; self.hog = hog
        self.empty = empty
    }

    /// The scores of a pair in which a map is empty: no measure applies.
    public static let emptyPair = SimilarityScores(spearmanAbs: .nan, spearmanSigned: .nan, ssim: .nan, hog: .nan, empty: true)

    /// The measures by their summary key, in report order.
    public static let keys = ["spearman_abs", "spearman", "ssim", "hog"]

    /// The value of a measure by key.
    public func value(_ key: String) -> Double {
        switch key {
        case "spearman_abs": return spearmanAbs
        case "spearman": return spearmanSigned
        case "ssim": return ssim
        default: return hog
        }
    }
}

/// Map normalisations of the sanity checks (docs/attribution.md#display-normalisations, docs/sanity-checks.md#similarity-measures) and the per-pair comparison.
public enum MapComparison {
    /// N-abs99 of one C x H x W map, flattened (H·W values in [0, 1]).
    public static func absPercentile(_ map: [Float], channels: Int) -> [Double] {
        let plane = map.count / max(channels, 1)
        var m = [Float](repeating: 0, count: plane)
        for c in 0..<channels { for i in 0..<plane { m[i] += abs(map[c * plane + i]) } }
        let low = m.min() ?? 0, high = DisplayNormalisation.percentile(m, 99) ?? low
        let span = Double(high - low)
        return m.map { span > 0 ? min(max(Double($0 - low) / span, 0), 1) : 0 }
    }

    /// N-div99 of one C x H x W map, flattened: m = Σ_c a_c, s = |P99(m)|, clip((m + s)/(2s), −1, 1).
    public static func divergingPercentile(_ map: [Float], channels: Int) -> [Double] {
        let plane = map.count / max(channels, 1)
        var m = [Float](repeating: 0, count: plane)
        for c in 0..<channels { for i in 0..<plane { m[i] += map[c * plane + i] } }
        let s = Double(abs(DisplayNormalisation.percentile(m, 99) ?? 0))
        return m.map { s > 0 ? min(max((Double($0) + s) / (2 * s), -1), 1) : 0 }
    }

    /// N-01 over the whole tensor: (a − min)/(max − min); a constant map gives zeros.
    public static func unitRange(_ map: [Float]) -> [Double] {
        let low = Double(map.min() ?? 0), high = Double(map.max() ?? 0)
        return map.map { high > low ? (Double($0) - low) / (high - low) : 0 }
    }

    /// The four similarities of two C x H x W maps (`hogCell`: HOG cell size in pixels).
    ///
    /// When either map is empty (all zero or constant, e.g. a blank Grad-CAM) the pair is not scored:
    /// `SimilarityScores.emptyPair`, whose NaNs every mean leaves out.
    public static func compare(_ a: [Float], _ b: [Float], channels: Int, height: Int, width: Int,
                               hogCell: Int) throws -> SimilarityScores {
        if EmptyMaps.isEmpty(a) || EmptyMaps.isEmpty(b) { return .emptyPair }
        let na = unitRange(a), nb = unitRange(b)
        let ssim = try Similarity.ssim(na, nb, channels: channels, height: height, width: width, dataRange: 2)
        // Maps too small for one HOG block (under 6 x 6 px) have no HOG similarity (NaN, left out of means).
        var hog = Double.nan
        if height / hogCell >= 3 && width / hogCell >= 3 {
            let hogA = try HOG.descriptor(na, channels: channels, height: height, width: width, cell: hogCell)
            let hogB = try HOG.descriptor(nb, channels: channels, height: height, width: width, cell: hogCell)
            hog = Similarity.spearman(hogA, hogB) ?? 0
        }
        return SimilarityScores(
            spearmanAbs: Similarity.spearman(absPercentile(a, channels: channels), absPercentile(b, channels: channels)) ?? 0,
            spearmanSigned: Similarity.spearman(divergingPercentile(a, channels: channels),
                                                divergingPercentile(b, channels: channels)) ?? 0,
            ssim: ssim, hog: hog)
    }

    /// Image `index` of an N x C x H x W tensor as a flat array.
    public static func row(_ tensor: Tensor, _ index: Int) -> [Float] {
        let size = tensor.count / max(tensor.shape.first ?? 1, 1)
        return Array(tensor.scalars[(index * size)..<((index + 1) * size)])
    }
}

/// Mean and standard deviation (population) of finite values; NaN for none.
public func meanAndDeviation(_ values: [Double]) -> (mean: Double, std: Double) {
    let finite = values.filter(\.isFinite)
    guard !finite.isEmpty else { return (.nan, .nan) }
    let mean = finite.reduce(0, +) / Double(finite.count)
    let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)
    return (mean, variance.squareRoot())
}
