import Foundation
import LoupeTensor

/// Similarity of two explanation maps for the data randomisation test (Adebayo et al. recipe, docs/sanity-checks.md#similarity-measures).
///
/// Float front end of `Similarity` (Sanity/), which holds the one implementation of the scores.
public enum MapSimilarity {
    /// Spearman rank correlation (SciPy `spearmanr`); nil when a map is constant or the lengths differ.
    public static func spearman(_ a: [Float], _ b: [Float]) -> Double? {
        guard a.count == b.count, a.count > 1 else { return nil }
        return Similarity.spearman(a.map(Double.init), b.map(Double.init))
    }

    /// N-01: `(a − min a)/(max a − min a)` over the whole array (zeros for a constant array).
    public static func minMax(_ a: [Float]) -> [Float] {
        guard let lo = a.min(), let hi = a.max(), hi > lo else { return [Float](repeating: 0, count: a.count) }
        return a.map { ($0 - lo) / (hi - lo) }
    }

    /// Mean SSIM of `[C, H, W]` maps (Gaussian window σ 1.5, 11 taps, shrunk for planes under 11 px; see
    /// `Similarity.ssim`); nil when the sizes do not match.
    ///
    /// The Adebayo et al. recipe normalises both maps with N-01 first and passes data range 2.0 (the old
    /// scikit-image default for floats); `dataRange` is that value.
    public static func ssim(_ a: [Float], _ b: [Float], channels: Int, height: Int, width: Int, dataRange: Double = 2) -> Double? {
        try? Similarity.ssim(a.map(Double.init), b.map(Double.init), channels: channels, height: height, width: width,
                             dataRange: dataRange)
    }
}
