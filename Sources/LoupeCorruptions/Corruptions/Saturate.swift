import LoupeTensor

/// Saturate: S <- clip(S a + b) in scikit-image HSV (docs/corruptions.md#saturate).
public enum Saturate: TabulatedCorruption {
    public static let name = "saturate"
    public static let isDeterministic = true
    public static let severities = SeverityTable<(Double, Double)>(cifar: [(0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)],
                                                            imagenet: [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)])

    public static func apply(_ image: RGBImage8, row: (Double, Double), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (a, b) = row
        let out = HSV.map(image) { _, s, _ in s = min(max(s * a + b, 0), 1) }
        return .fromUnit(out, width: image.width, height: image.height)
    }
}
