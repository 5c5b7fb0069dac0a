import LoupeTensor

/// Multiplicative noise: x + x N(0, c^2) per element (docs/corruptions.md#speckle_noise).
public enum SpeckleNoise: Corruption {
    public static let name = "speckle_noise"
    public static let isDeterministic = false
    static let cifar: [Double] = [0.06, 0.1, 0.12, 0.16, 0.2]
    static let imagenet: [Double] = [0.15, 0.2, 0.35, 0.45, 0.6]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        var x = image.unitValues
        for i in x.indices { x[i] += x[i] * c * generator.normal() }
        return .fromUnit(x, width: image.width, height: image.height)
    }
}
