import LoupeTensor

/// Poisson (shot) noise: Poisson(x c) / c per element (docs/corruptions.md#shot_noise).
public enum ShotNoise: Corruption {
    public static let name = "shot_noise"
    public static let isDeterministic = false
    static let cifar: [Double] = [500, 250, 100, 75, 50]
    static let imagenet: [Double] = [60, 25, 12, 5, 3]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        var x = image.unitValues
        for i in x.indices { x[i] = generator.poisson(x[i] * c) / c }
        return .fromUnit(x, width: image.width, height: image.height)
    }
}
