import LoupeTensor

/// Additive Gaussian noise: x + N(0, c^2) per element (docs/corruptions.md#gaussian_noise).
public enum GaussianNoise: Corruption {
    public static let name = "gaussian_noise"
    public static let isDeterministic = false
    static let cifar: [Double] = [0.04, 0.06, 0.08, 0.09, 0.10]
    static let imagenet: [Double] = [0.08, 0.12, 0.18, 0.26, 0.38]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        var x = image.unitValues
        for i in x.indices { x[i] += c * generator.normal() }
        return .fromUnit(x, width: image.width, height: image.height)
    }
}
