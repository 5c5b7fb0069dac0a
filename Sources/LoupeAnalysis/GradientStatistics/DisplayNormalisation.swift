import LoupeTensor

/// Display normalisations for attribution maps (docs/attribution.md#display-normalisations); for rendering only, never before metrics.
public enum DisplayNormalisation {
    /// NumPy's default percentile (linear interpolation between order statistics); nil for no values.
    public static func percentile(_ values: [Float], _ p: Double) -> Float? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        let fraction = Float(position - Double(low))
        return sorted[low] + (sorted[high] - sorted[low]) * fraction
    }

    /// N-abs99 (PAIR `VisualizeImageGrayscale`): m = Σ_c |a_c|, clip((m − min m)/(P99(m) − min m), 0, 1).
    ///
    /// `attribution` is N x C x H x W; returns N x 1 x H x W. A flat map (P99 = min) gives zeros.
    public static func absPercentile(_ attribution: Tensor, percentile p: Double = 99) throws -> Tensor {
        guard attribution.rank == 4 else {
            throw LoupeError(.invalidInput, location: "N-abs99", "expected an N x C x H x W attribution, got \(attribution.shape)")
        }
        let (n, c, h, w) = (attribution.shape[0], attribution.shape[1], attribution.shape[2], attribution.shape[3])
        let plane = h * w
        var out = Tensor(shape: [n, 1, h, w])
        for image in 0..<n {
            var m = [Float](repeating: 0, count: plane)
            for channel in 0..<c {
                let base = (image * c + channel) * plane
                for i in 0..<plane { m[i] += abs(attribution.scalars[base + i]) }
            }
            let low = m.min() ?? 0
            let high = percentile(m, p) ?? low
            let span = high - low
            for i in 0..<plane {
                let v = span > 0 ? (m[i] - low) / span : 0
                out.scalars[image * plane + i] = v.isFinite ? min(max(v, 0), 1) : 0
            }
        }
        return out
    }
}
