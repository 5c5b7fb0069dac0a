import LoupeTensor

/// Spatter: water drops (edge-shaded liquid layer) or mud (opaque blobs) (docs/corruptions.md#spatter).
public enum Spatter: TabulatedCorruption {
    public static let name = "spatter"
    public static let isDeterministic = false
    public static let deviations = [
        "spatter: OpenCV's Canny, distanceTransform and equalizeHist are re-implemented (water mode); checked by statistics only",
    ]
    public typealias Row = (mean: Double, sd: Double, sigma: Double, threshold: Double, c4: Double, mud: Bool)
    public static let severities = SeverityTable<Row>(
        cifar: [(0.62, 0.1, 0.7, 0.7, 0.5, false), (0.65, 0.1, 0.8, 0.7, 0.5, false), (0.65, 0.3, 1, 0.69, 0.5, false),
               (0.65, 0.1, 0.7, 0.69, 0.6, true), (0.65, 0.1, 0.5, 0.68, 0.6, true)],
        imagenet: [(0.65, 0.3, 4, 0.69, 0.6, false), (0.65, 0.3, 3, 0.68, 0.6, false), (0.65, 0.3, 2, 0.68, 0.5, false),
                  (0.65, 0.3, 1, 0.65, 1.5, true), (0.67, 0.4, 1, 0.65, 1.5, true)])

    public static func apply(_ image: RGBImage8, row c: Row, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let w = image.width, h = image.height, count = w * h
        let noise = (0..<count).map { _ in generator.normal(mean: c.mean, sd: c.sd) }
        var liquid = GaussianFilter.apply(Plane(height: h, width: w, channels: 1, values: noise), sigma: c.sigma).values
        for i in liquid.indices where liquid[i] < c.threshold { liquid[i] = 0 }
        let x = image.unitFloats.map { Double($0) }
        var out = [Double](repeating: 0, count: x.count)
        if c.mud {
            let mask = liquid.map { $0 > c.threshold ? 1.0 : 0.0 }
            var m = GaussianFilter.apply(Plane(height: h, width: w, channels: 1, values: mask), sigma: c.c4).values
            for i in m.indices where m[i] < 0.8 { m[i] = 0 }
            let colour = [63.0 / 255, 42.0 / 255, 20.0 / 255]
            for p in 0..<count {
                for k in 0..<3 { out[3 * p + k] = x[3 * p + k] * (1 - m[p]) + m[p] * colour[k] }
            }
        } else {
            let l8 = liquid.map { Double(UInt8(min(max($0 * 255, 0), 255))) }
            let shade = WaterShading.make(l8.map { UInt8($0) }, width: w, height: h)
            var m = (0..<count).map { l8[$0] * shade[$0] }
            let peak = m.max() ?? 0
            for i in m.indices { m[i] = peak > 0 ? m[i] / peak * c.c4 : 0 }
            let colour = [175.0 / 255, 238.0 / 255, 238.0 / 255]
            for p in 0..<count {
                for k in 0..<3 { out[3 * p + k] = x[3 * p + k] + m[p] * colour[k] }
            }
        }
        return .fromUnit(out, width: w, height: h)
    }
}
