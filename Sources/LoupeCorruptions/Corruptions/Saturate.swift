import LoupeTensor

/// Saturate: S <- clip(S a + b) in scikit-image HSV (docs/corruptions.md#saturate).
public enum Saturate: Corruption {
    public static let name = "saturate"
    public static let isDeterministic = true
    static let cifar: [(Double, Double)] = [(0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)]
    static let imagenet: [(Double, Double)] = [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let (a, b) = profile.pick(cifar, imagenet)[severity - 1]
        let out = HSV.map(image) { _, s, _ in s = min(max(s * a + b, 0), 1) }
        return .fromUnit(out, width: image.width, height: image.height)
    }
}
