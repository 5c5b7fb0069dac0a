import LoupeTensor

/// Glass blur: blur, in-place one-way pixel copies at local random offsets, blur again (docs/corruptions.md#glass_blur).
public enum GlassBlur: TabulatedCorruption {
    public static let name = "glass_blur"
    public static let isDeterministic = false
    public static let severities = SeverityTable<(Double, Int, Int)>(cifar: [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)],
                                                              imagenet: [(0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)])

    public static func apply(_ image: RGBImage8, row: (Double, Int, Int), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (sigma, delta, iterations) = row
        let h = image.height, w = image.width
        let first = GaussianFilter.apply(Plane(height: h, width: w, channels: 3, values: image.unitValues), sigma: sigma)
        var bytes = first.values.map { UInt8(min(max($0 * 255, 0), 255)) }
        for _ in 0..<iterations {
            var y = h - delta
            while y > delta {
                var x = w - delta
                while x > delta {
                    let dx = generator.integer(-delta, delta)
                    let dy = generator.integer(-delta, delta)
                    let source = ((y + dy) * w + x + dx) * 3, target = (y * w + x) * 3
                    bytes[target] = bytes[source]
                    bytes[target + 1] = bytes[source + 1]
                    bytes[target + 2] = bytes[source + 2]
                    x -= 1
                }
                y -= 1
            }
        }
        let second = GaussianFilter.apply(Plane(height: h, width: w, channels: 3, values: bytes.map { Double($0) / 255 }),
                                          sigma: sigma)
        return .fromUnit(second.values, width: w, height: h)
    }
}
