import Foundation
import LoupeTensor

/// The image regularisers of regularised activation maximisation (docs/feature-visualisation.md#regularisers), on `[N, C, H, W]` tensors.
public enum Regularisers {
    /// Gaussian blur of every channel plane as SciPy `gaussian_filter` computes it: kernel truncated at 4σ
    /// and mode "reflect" (the edge sample is repeated: `d c b a | a b c d`). Preserves each plane's sum.
    public static func gaussianBlur(_ x: Tensor, sigma: Float) -> Tensor {
        ImageFilters.separableGaussian(x, sigma: sigma, radius: Int(4 * Double(sigma) + 0.5), border: .reflect)
    }

    /// Zeroes, per image, the pixels whose score is strictly below NumPy's `percentile(scores, pct)`.
    ///
    /// `scores` holds `N·H·W` values (one per pixel); every channel of a zeroed pixel is set to 0.
    public static func zeroBelowPercentile(_ x: inout Tensor, scores: [Float], percentile pct: Double) {
        guard pct > 0, x.rank == 4 else { return }
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        for image in 0..<n {
            let part = Array(scores[(image * plane)..<((image + 1) * plane)])
            guard let threshold = percentile(part, pct) else { continue }
            for p in 0..<plane where part[p] < threshold {
                for ch in 0..<c { x.scalars[(image * c + ch) * plane + p] = 0 }
            }
        }
    }

    /// Per-pixel Euclidean norm over channels, `N·H·W` values.
    public static func pixelNorms(_ x: Tensor) -> [Float] {
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        var out = [Float](repeating: 0, count: n * plane)
        for image in 0..<n {
            for ch in 0..<c {
                let base = (image * c + ch) * plane
                for p in 0..<plane { out[image * plane + p] += x.scalars[base + p] * x.scalars[base + p] }
            }
        }
        return out.map { $0.squareRoot() }
    }

    /// Absolute first-order contribution of each pixel, `|Σ_ch (−x ⊙ g)|` (the change of the unit if the pixel were zeroed).
    public static func pixelContributions(_ x: Tensor, gradient g: Tensor) -> [Float] {
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        var out = [Float](repeating: 0, count: n * plane)
        for image in 0..<n {
            for ch in 0..<c {
                let base = (image * c + ch) * plane
                for p in 0..<plane { out[image * plane + p] -= x.scalars[base + p] * g.scalars[base + p] }
            }
        }
        return out.map { abs($0) }
    }

    /// Circular shift of every plane by `(dy, dx)` pixels (jitter as DeepDream applies it with `np.roll`).
    public static func roll(_ x: Tensor, dy: Int, dx: Int) -> Tensor {
        guard x.rank == 4, dy != 0 || dx != 0 else { return x }
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        var out = x
        for plane in 0..<planes {
            let base = plane * h * w
            for row in 0..<h {
                let target = ((row + dy) % h + h) % h
                for col in 0..<w {
                    out.scalars[base + target * w + ((col + dx) % w + w) % w] = x.scalars[base + row * w + col]
                }
            }
        }
        return out
    }

    /// NumPy's default percentile (linear interpolation between order statistics); nil for no values.
    public static func percentile(_ values: [Float], _ p: Double) -> Float? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * Float(position - Double(low))
    }
}
