import LoupeTensor

/// Motion blur: ImageMagick's one-sided line kernel at a random angle in [-45, 45) degrees (docs/corruptions.md#motion_blur, docs/corruptions.md#motion-kernel).
public enum MotionBlur: Corruption {
    public static let name = "motion_blur"
    public static let isDeterministic = false
    public static let deviations = [
        "motion_blur: ImageMagick's MotionBlurImage is replaced by a re-implementation of its kernel, equal within 1 grey level",
    ]
    static let cifar: [(Int, Double)] = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)]
    static let imagenet: [(Int, Double)] = [(10, 3), (15, 5), (15, 8), (15, 12), (20, 15)]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        let angle = generator.uniform(-45, 45)
        return blur(image, severity: severity, profile: profile, angleDegrees: angle)
    }

    /// The blur at a fixed angle (for pixel-wise tests, docs/corruptions.md#deterministic-corruptions).
    public static func blur(_ image: RGBImage8, severity: Int, profile: CorruptionProfile, angleDegrees: Double) -> RGBImage8 {
        let (radius, sigma) = profile.pick(cifar, imagenet)[severity - 1]
        let plane = Plane(height: image.height, width: image.width, channels: 3, values: image.bytes.map { Double($0) })
        let out = Correlation.motionBlur(plane, radius: radius, sigma: sigma, angleDegrees: angleDegrees)
        return .fromByteScale(out.values, width: image.width, height: image.height)
    }
}
