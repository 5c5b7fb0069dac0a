import Foundation
import LoupeTensor

/// Similarity of two explanation maps for the data randomisation test (Adebayo et al. recipe, methods.md §6.2).
///
/// A small self-contained copy for the features section; the sanity-check section has its own
/// (`Sanity/`), and the two are to be merged.
public enum MapSimilarity {
    /// Spearman rank correlation: Pearson correlation of average ranks (ties share their mean rank); nil when a map is constant.
    public static func spearman(_ a: [Float], _ b: [Float]) -> Double? {
        guard a.count == b.count, a.count > 1 else { return nil }
        return pearson(averageRanks(a), averageRanks(b))
    }

    /// Pearson correlation; nil when either side has zero variance.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            sab += (a[i] - ma) * (b[i] - mb)
            saa += (a[i] - ma) * (a[i] - ma)
            sbb += (b[i] - mb) * (b[i] - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : nil
    }

    /// Ranks starting at 1; tied values get the mean of their ranks.
    static func averageRanks(_ values: [Float]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// N-01: `(a − min a)/(max a − min a)` over the whole array (zeros for a constant array).
    public static func minMax(_ a: [Float]) -> [Float] {
        guard let lo = a.min(), let hi = a.max(), hi > lo else { return [Float](repeating: 0, count: a.count) }
        return a.map { ($0 - lo) / (hi - lo) }
    }

    /// Mean SSIM of `[C, H, W]` maps with Gaussian weights (σ 1.5, 11×11 window, K1 0.01, K2 0.03, sample
    /// covariance, reflect borders, `(win − 1)/2` cropped), averaged over channels; nil when H or W < 11.
    ///
    /// The Adebayo et al. recipe normalises both maps with N-01 first and passes data range 2.0 (the old
    /// scikit-image default for floats); `dataRange` is that value.
    public static func ssim(_ a: [Float], _ b: [Float], channels: Int, height: Int, width: Int, dataRange: Double = 2) -> Double? {
        let win = 11, radius = 5
        guard height >= win, width >= win, a.count == channels * height * width, b.count == a.count else { return nil }
        let sigma = 1.5
        var kernel = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i - 1 : (i >= n ? 2 * n - i - 1 : i) }
        func filter(_ plane: [Double]) -> [Double] {
            var temp = [Double](repeating: 0, count: plane.count), out = temp
            for r in 0..<height {
                for c in 0..<width {
                    var s = 0.0
                    for k in -radius...radius { s += kernel[k + radius] * plane[r * width + reflect(c + k, width)] }
                    temp[r * width + c] = s
                }
            }
            for r in 0..<height {
                for c in 0..<width {
                    var s = 0.0
                    for k in -radius...radius { s += kernel[k + radius] * temp[reflect(r + k, height) * width + c] }
                    out[r * width + c] = s
                }
            }
            return out
        }
        let np = Double(win * win), covNorm = np / (np - 1)
        let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
        let plane = height * width
        var channelMeans = [Double]()
        for ch in 0..<channels {
            let x = a[(ch * plane)..<((ch + 1) * plane)].map(Double.init)
            let y = b[(ch * plane)..<((ch + 1) * plane)].map(Double.init)
            let ux = filter(x), uy = filter(y)
            let uxx = filter(x.map { $0 * $0 }), uyy = filter(y.map { $0 * $0 })
            let uxy = filter(zip(x, y).map { $0 * $1 })
            var sum = 0.0, count = 0
            for r in radius..<(height - radius) {
                for c in radius..<(width - radius) {
                    let i = r * width + c
                    let vx = covNorm * (uxx[i] - ux[i] * ux[i]), vy = covNorm * (uyy[i] - uy[i] * uy[i])
                    let vxy = covNorm * (uxy[i] - ux[i] * uy[i])
                    let s = ((2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)) / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2))
                    sum += s
                    count += 1
                }
            }
            channelMeans.append(sum / Double(max(count, 1)))
        }
        return channelMeans.reduce(0, +) / Double(max(channels, 1))
    }
}
