import LoupeTensor

/// Brightness: V <- clip(V + c) in scikit-image HSV (docs/corruptions.md#brightness).
public enum Brightness: Corruption {
    public static let name = "brightness"
    public static let isDeterministic = true
    static let cifar: [Double] = [0.05, 0.1, 0.15, 0.2, 0.3]
    static let imagenet: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        let out = HSV.map(image) { _, _, v in v = min(max(v + c, 0), 1) }
        return .fromUnit(out, width: image.width, height: image.height)
    }
}
