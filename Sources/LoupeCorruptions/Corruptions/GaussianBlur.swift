import LoupeTensor

/// Gaussian blur G(sigma), nearest border, truncate 4 (docs/corruptions.md#gaussian_blur).
public enum GaussianBlur: TabulatedCorruption {
    public static let name = "gaussian_blur"
    public static let isDeterministic = true
    public static let severities = SeverityTable<Double>(cifar: [0.4, 0.6, 0.7, 0.8, 1], imagenet: [1, 2, 3, 4, 6])

    public static func apply(_ image: RGBImage8, row sigma: Double, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let plane = Plane(height: image.height, width: image.width, channels: 3, values: image.unitValues)
        let out = GaussianFilter.apply(plane, sigma: sigma)
        return .fromUnit(out.values, width: image.width, height: image.height)
    }
}
