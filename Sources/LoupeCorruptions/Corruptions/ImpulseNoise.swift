import LoupeTensor

/// Salt-and-pepper noise, independently per pixel and channel (docs/corruptions.md#impulse_noise).
public enum ImpulseNoise: Corruption {
    public static let name = "impulse_noise"
    public static let isDeterministic = false
    static let cifar: [Double] = [0.01, 0.02, 0.03, 0.05, 0.07]
    static let imagenet: [Double] = [0.03, 0.06, 0.09, 0.17, 0.27]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        var x = image.unitValues
        for i in x.indices {
            let flip = generator.uniform() < c
            let salt = generator.uniform() < 0.5
            if flip { x[i] = salt ? 1 : 0 }
        }
        return .fromUnit(x, width: image.width, height: image.height)
    }
}
