import Foundation
import LoupeTensor

/// Detection of attribution maps that carry no ranking: all zero, or constant within a tolerance.
///
/// Such a map (a Grad-CAM whose ReLU removed everything, a map after randomisation) has no order of
/// pixels, so a rank correlation or SSIM against it measures nothing about the method. The sanity checks
/// leave these maps out of their means, count them, and figures label them "empty".
public enum EmptyMaps {
    /// A map is empty when (max − min) ≤ this × max(|max|, |min|); all zeros always count.
    public static let relativeTolerance = 1e-6

    /// Whether one map (any shape, flattened) is empty; non-finite values are ignored, a map with none is empty.
    public static func isEmpty<C: Collection>(_ values: C) -> Bool where C.Element == Float {
        var low = Float.infinity, high = -Float.infinity
        for value in values where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
        guard low <= high else { return true }
        let scale = Double(max(abs(low), abs(high)))
        return Double(high) - Double(low) <= relativeTolerance * scale
    }

    /// Per image of an N x ... tensor: whether that image's map is empty.
    public static func rows(_ maps: Tensor) -> [Bool] {
        guard let count = maps.shape.first, count > 0 else { return [] }
        let size = maps.scalars.count / count
        return (0..<count).map { r in isEmpty(maps.scalars[(r * size)..<((r + 1) * size)]) }
    }

    /// Whether a result resting on `scored` of `total` images is too thin to judge (fewer than half scored).
    public static func tooFew(scored: Int, of total: Int) -> Bool {
        total > 0 && 2 * scored < total
    }
}
