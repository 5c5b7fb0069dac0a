import Foundation
import LoupeTensor

/// Elastic transform (docs/corruptions.md#elastic_transform): version A of `make_*_c.py` (random affine, then a smooth random displacement
/// field) for CIFAR-10-C and for ImageNet-C at 224x224; version B of `imagecorruptions` 1.1.2 (displacement
/// field only, scaled with the image) for the ImageNet profile at any other size.
public enum ElasticTransform: Corruption {
    public static let name = "elastic_transform"
    public static let isDeterministic = false
    public static let deviations = [
        "elastic_transform: the affine warp uses exact bilinear weights (OpenCV quantises them to 1/32 pixel)",
        "elastic_transform: away from 224x224 the ImageNet profile uses the imagecorruptions 1.1.2 algorithm (no affine step; "
            + "non-square images use one σ = 0.01·√(HW) instead of a per-axis σ)",
    ]
    /// imagecorruptions 1.1.2: amplitude 250·k per severity.
    static let generic: [Double] = [0.05, 0.065, 0.085, 0.1, 0.12]
    static let cifar: [(Double, Double, Double)] = [(0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03)]
    static let imagenet: [(Double, Double, Double)] = [(2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02), (0.07, 0.01, 0.02), (0.12, 0.01, 0.02)]

    public static func apply(_ image: RGBImage8, severity: Int, profile: CorruptionProfile,
                             generator: inout SeededGenerator) throws -> RGBImage8 {
        if profile == .imagenet && !(image.width == 224 && image.height == 224) {
            return generic(image, severity: severity, generator: &generator)
        }
        let scale = profile == .cifar ? 32.0 : 244.0
        let (ka, ks, ke) = profile.pick(cifar, imagenet)[severity - 1]
        let alpha = ka * scale, sigma = ks * scale, epsilon = ke * scale
        let h = image.height, w = image.width
        let x = image.unitFloats.map { Double($0) }
        // Affine from three jittered points (OpenCV x, y order).
        let c0 = Double(h / 2), c1 = Double(w / 2), q = Double(min(h, w) / 3)
        let source = [(c0 + q, c1 + q), (c0 + q, c1 - q), (c0 - q, c1 - q)]
        let target = source.map { p in (p.0 + generator.uniform(-epsilon, epsilon), p.1 + generator.uniform(-epsilon, epsilon)) }
        let warped = Interpolation.warpAffine(x, height: h, width: w, from: source, to: target)
        func field(_ g: inout SeededGenerator) -> [Double] {
            let noise = (0..<(h * w)).map { _ in g.uniform(-1, 1) }
            let blurred = GaussianFilter.apply(Plane(height: h, width: w, channels: 1, values: noise), sigma: sigma, truncate: 3,
                                               mode: .reflect)
            return blurred.values.map { Double(Float($0 * alpha)) }
        }
        let dx = field(&generator)
        let dy = field(&generator)
        let out = Interpolation.sample(warped, height: h, width: w, rowOffsets: dy, columnOffsets: dx, mode: .reflect)
        return .fromUnit(out, width: w, height: h)
    }

    /// Version B: dx, dy = 250·k · G(0.01·size, t = 3, reflect) of Uniform(−0.005·H, 0.005·H) fields, then bilinear sampling.
    static func generic(_ image: RGBImage8, severity: Int, generator: inout SeededGenerator) -> RGBImage8 {
        let h = image.height, w = image.width
        let alpha = 250 * generic[severity - 1]
        let sigma = h == w ? 0.01 * Double(h) : 0.01 * Double(h * w).squareRoot()
        let limit = 0.005 * Double(h)
        func field(_ g: inout SeededGenerator) -> [Double] {
            let noise = (0..<(h * w)).map { _ in g.uniform(-limit, limit) }
            let blurred = GaussianFilter.apply(Plane(height: h, width: w, channels: 1, values: noise), sigma: sigma, truncate: 3,
                                               mode: .reflect)
            return blurred.values.map { Double(Float($0 * alpha)) }
        }
        let dx = field(&generator)
        let dy = field(&generator)
        let x = image.unitFloats.map { Double($0) }
        let out = Interpolation.sample(x, height: h, width: w, rowOffsets: dy, columnOffsets: dx, mode: .reflect)
        return .fromUnit(out, width: w, height: h)
    }
}
