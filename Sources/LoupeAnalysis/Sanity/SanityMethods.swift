import Foundation
import LoupeEngine
import LoupeTensor

/// Settings shared by every model state of a sanity run, so original and randomised maps are made alike.
public struct SanityMethodSettings: Sendable, Equatable {
    /// Integrated Gradients: Gauss–Legendre steps from the zero baseline.
    public var integratedGradientsSteps = 20
    /// SmoothGrad: noisy samples per image.
    public var smoothGradSamples = 10
    /// SmoothGrad: σ as a fraction of each image's value range.
    public var smoothGradNoise: Float = 0.15
    /// SmoothGrad: seed of the noise (the same noise for every model state).
    public var smoothGradSeed: UInt64 = 0
    /// CAM methods: the layer (resolved once on the original model).
    public var camLayer: String?
    /// Occlusion: square window side and stride in pixels.
    public var occlusionWindow = 4
    public var occlusionStride = 2

    /// The defaults (IG 20 steps, SmoothGrad 10 samples at 0.15 of the range, 4 px occlusion window).
    public init() {}
}

/// An attribution method a sanity run can re-compute on randomised models: a registry entry with `.sanity` use.
public struct SanityMethod: Hashable, Sendable, CaseIterable {
    /// The registry entry.
    public let method: AttributionMethod

    /// The method's name (as in `AttributionMethods`).
    public var rawValue: String { method.name }

    /// The sanity method called `rawValue`, if the registry has one the sanity checks can use.
    public init?(rawValue: String) {
        guard let method = AttributionMethods.named(rawValue), method.reportUse.contains(.sanity) else { return nil }
        self.method = method
    }

    /// Every method the sanity checks can use, in registry order.
    public static var allCases: [SanityMethod] { AttributionMethods.names(with: .sanity).compactMap(SanityMethod.init(rawValue:)) }

    /// Methods the sanity pages name: the paper comparison, the zero-input note, the CAM layer.
    public static var saliency: SanityMethod { SanityMethod(known: .saliency) }
    public static var inputTimesGradient: SanityMethod { SanityMethod(known: .inputXGradient) }
    public static var integratedGradients: SanityMethod { SanityMethod(known: .integratedGradients) }
    public static var guidedBackprop: SanityMethod { SanityMethod(known: .guidedBackprop) }
    public static var gradCAM: SanityMethod { SanityMethod(known: .gradCAM) }
    public static var guidedGradCAM: SanityMethod { SanityMethod(known: .guidedGradCAM) }

    init(known method: AttributionMethod) { self.method = method }

    public static func == (a: SanityMethod, b: SanityMethod) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// Whether the map is a class activation map (N x 1 x H x W in [0, 1]) rather than an input-shaped attribution.
    public var isCAM: Bool { method.isCAM }

    /// The registry settings for one model state of a sanity run.
    public static func attributionSettings(_ settings: SanityMethodSettings, images: Tensor) -> AttributionSettings {
        var result = AttributionSettings()
        result.steps = settings.integratedGradientsSteps
        result.samples = settings.smoothGradSamples
        result.noise = .relativePerImage(Double(settings.smoothGradNoise))
        result.seed = settings.smoothGradSeed
        result.layer = settings.camLayer
        if images.rank == 4 {
            let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
            let window = min(settings.occlusionWindow, h, w), stride = min(settings.occlusionStride, window)
            result.window = [c, window, window]
            result.stride = [c, stride, stride]
        }
        return result
    }

    /// Attributions for a batch: input-shaped (N x C x H x W) for gradient methods, N x 1 x H x W maps for CAMs.
    ///
    /// `cache` holds the maps already computed for the same classifier; plain saliency in it is reused
    /// as the input gradient (Input × Gradient, Gradient × Sign).
    public func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], settings: SanityMethodSettings,
                          cache: inout [SanityMethod: Tensor]) throws -> Tensor {
        if let cached = cache[self] { return cached }
        var attributionSettings = SanityMethod.attributionSettings(settings, images: images)
        attributionSettings.inputGradient = cache[.saliency]
        let result = try method.attribute(classifier, images: images, targets: targets, settings: attributionSettings).attributions
        cache[self] = result
        return result
    }

    /// The per-pixel importance used to order pixels: Σ_c |a_c| (CAMs: the map itself), H·W values per image.
    public static func importance(_ attribution: Tensor, image: Int) -> [Float] {
        let (c, h, w) = (attribution.shape[1], attribution.shape[2], attribution.shape[3])
        let row = MapComparison.row(attribution, image)
        var m = [Float](repeating: 0, count: h * w)
        for channel in 0..<c { for i in 0..<(h * w) { m[i] += abs(row[channel * h * w + i]) } }
        return m
    }
}
