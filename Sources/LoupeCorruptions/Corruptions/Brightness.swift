import LoupeTensor

/// Brightness: V <- clip(V + c) in scikit-image HSV (docs/corruptions.md#brightness).
public enum Brightness: TabulatedCorruption {
    public static let name = "brightness"
    public static let isDeterministic = true
    public static let severities = SeverityTable<Double>(cifar: [0.05, 0.1, 0.15, 0.2, 0.3], imagenet: [0.1, 0.2, 0.3, 0.4, 0.5])

    public static func apply(_ image: RGBImage8, row c: Double, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let out = HSV.map(image) { _, _, v in v = min(max(v + c, 0), 1) }
        return .fromUnit(out, width: image.width, height: image.height)
    }
}
