import LoupeTensor

/// Contrast: (x - mean) c + mean with one mean per channel (docs/corruptions.md#contrast).
public enum Contrast: Corruption {
    public static let name = "contrast"
    public static let isDeterministic = true
    static let cifar: [Double] = [0.75, 0.5, 0.4, 0.3, 0.15]
    static let imagenet: [Double] = [0.4, 0.3, 0.2, 0.1, 0.05]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let c = profile.pick(cifar, imagenet)[severity - 1]
        var x = image.unitValues
        var means = [0.0, 0.0, 0.0]
        for i in x.indices { means[i % 3] += x[i] }
        let pixels = Double(x.count / 3)
        for k in 0..<3 { means[k] /= pixels }
        for i in x.indices { x[i] = (x[i] - means[i % 3]) * c + means[i % 3] }
        return .fromUnit(x, width: image.width, height: image.height)
    }
}
