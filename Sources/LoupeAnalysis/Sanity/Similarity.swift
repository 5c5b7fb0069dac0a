import Foundation
import LoupeTensor

/// Rank correlation and structural similarity of attribution maps (docs/sanity-checks.md#similarity-measures).
///
/// Spearman follows SciPy `spearmanr` (Pearson correlation of average ranks); SSIM follows
/// scikit-image `structural_similarity` (sample covariance, K1 = 0.01, K2 = 0.03, SciPy
/// "reflect" borders, the SSIM map cropped by half a window before averaging).
public enum Similarity {
    /// 1-based average ranks: tied values share the mean of their ranks (SciPy `rankdata`).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let mean = Double(start + end + 1) / 2
            for k in start..<end { ranks[order[k]] = mean }
            start = end
        }
        return ranks
    }

    /// Pearson correlation; nil when the lengths differ, fewer than two values, or either vector is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count == b.count, a.count >= 2 else { return nil }
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            let da = a[i] - ma, db = b[i] - mb
            sab += da * db; saa += da * da; sbb += db * db
        }
        guard saa > 0, sbb > 0 else { return nil }
        return min(1, max(-1, sab / (saa * sbb).squareRoot()))
    }

    /// Spearman ρ (SciPy `spearmanr`); nil when undefined (a constant vector, or mismatched lengths).
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count == b.count else { return nil }
        return pearson(ranks(a), ranks(b))
    }

    /// SSIM of two C x H x W maps: per channel, 2-D Gaussian window (σ = 1.5, 11 taps), mean over channels.
    ///
    /// Matches `structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=True,
    /// data_range=dataRange, channel_axis=0)`. Planes smaller than 11 x 11 (skimage refuses them) use the
    /// largest odd window that fits, with σ scaled by the same factor.
    public static func ssim(_ a: [Double], _ b: [Double], channels: Int, height: Int, width: Int,
                            dataRange: Double) throws -> Double {
        let plane = height * width
        guard channels > 0, plane > 0, a.count == channels * plane, b.count == a.count else {
            throw LoupeError(.invalidInput, location: "SSIM", "maps of \(a.count) and \(b.count) values for \(channels) x \(height) x \(width)")
        }
        let window = gaussianWindow(fitting: min(height, width))
        var total = 0.0
        for channel in 0..<channels {
            let range = (channel * plane)..<((channel + 1) * plane)
            let filter: ([Double]) -> [Double] = { field in
                separable(field, height: height, width: width, weights: window)
            }
            let s = ssimMap(Array(a[range]), Array(b[range]), filter: filter, samples: Double(window.count * window.count),
                            dataRange: dataRange)
            let pad = window.count / 2
            var sum = 0.0, count = 0
            for y in pad..<(height - pad) {
                for x in pad..<(width - pad) { sum += s[y * width + x]; count += 1 }
            }
            total += count > 0 ? sum / Double(count) : 1
        }
        return total / Double(channels)
    }

    /// SSIM of two vectors with a uniform window (skimage on 1-D input: window 7, as Quantus RandomLogit calls it).
    public static func ssim1D(_ a: [Double], _ b: [Double], dataRange: Double, window: Int = 7) throws -> Double {
        guard a.count == b.count, !a.isEmpty else {
            throw LoupeError(.invalidInput, location: "SSIM", "vectors of \(a.count) and \(b.count) values")
        }
        var size = max(1, window)
        if size > a.count { size = a.count % 2 == 1 ? a.count : a.count - 1 }
        let s = ssimMap(a, b, filter: { uniform1D($0, size: size) }, samples: Double(size), dataRange: dataRange)
        let pad = size / 2
        let kept = s[pad..<(s.count - pad)]
        return kept.isEmpty ? 1 : kept.reduce(0, +) / Double(kept.count)
    }

    /// The SSIM map: ((2 μx μy + C1)(2 σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2)).
    static func ssimMap(_ a: [Double], _ b: [Double], filter: ([Double]) -> [Double], samples: Double,
                        dataRange: Double) -> [Double] {
        let covNorm = samples > 1 ? samples / (samples - 1) : 1
        let ux = filter(a), uy = filter(b)
        let uxx = filter(zip(a, a).map { $0 * $1 }), uyy = filter(zip(b, b).map { $0 * $1 })
        let uxy = filter(zip(a, b).map { $0 * $1 })
        let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
        return (0..<a.count).map { i in
            let vx = covNorm * (uxx[i] - ux[i] * ux[i]), vy = covNorm * (uyy[i] - uy[i] * uy[i])
            let vxy = covNorm * (uxy[i] - ux[i] * uy[i])
            let numerator = (2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)
            let denominator = (ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2)
            return denominator != 0 ? numerator / denominator : 1
        }
    }

    /// Normalised Gaussian taps (SciPy `gaussian_filter`, σ = 1.5, truncate 3.5: radius 5), shrunk to fit `side`.
    static func gaussianWindow(fitting side: Int) -> [Double] {
        var radius = 5, sigma = 1.5
        if 2 * radius + 1 > side {
            let fitted = max(0, (side - 1) / 2)
            sigma = 1.5 * Double(max(fitted, 1)) / 5
            radius = fitted
        }
        let taps = (-radius...radius).map { Foundation.exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = taps.reduce(0, +)
        return taps.map { $0 / total }
    }

    /// SciPy "reflect" (half-sample symmetric) index into 0..<n.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * n
        var k = i % period
        if k < 0 { k += period }
        return k < n ? k : period - 1 - k
    }

    /// Correlates an H x W field with `weights` along rows, then columns (centred, reflect borders).
    static func separable(_ field: [Double], height: Int, width: Int, weights: [Double]) -> [Double] {
        let radius = weights.count / 2
        var rows = [Double](repeating: 0, count: field.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for (k, w) in weights.enumerated() { sum += w * field[y * width + reflect(x + k - radius, width)] }
                rows[y * width + x] = sum
            }
        }
        var out = [Double](repeating: 0, count: field.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for (k, w) in weights.enumerated() { sum += w * rows[reflect(y + k - radius, height) * width + x] }
                out[y * width + x] = sum
            }
        }
        return out
    }

    /// SciPy `uniform_filter1d` with an odd `size` and reflect borders.
    static func uniform1D(_ values: [Double], size: Int) -> [Double] {
        let radius = size / 2, n = values.count
        return (0..<n).map { i in
            var sum = 0.0
            for k in -radius...radius { sum += values[reflect(i + k, n)] }
            return sum / Double(size)
        }
    }
}
