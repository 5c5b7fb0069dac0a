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

/// The attribution methods a sanity run can re-compute on randomised models.
public enum SanityMethod: String, Sendable, CaseIterable {
    case saliency
    case inputTimesGradient = "input-x-gradient"
    case smoothGrad = "smoothgrad"
    case integratedGradients = "integrated-gradients"
    case guidedBackprop = "guided-backprop"
    case deconvnet
    case gradCAM = "grad-cam"
    case gradCAMPlusPlus = "grad-cam-plus-plus"
    case guidedGradCAM = "guided-grad-cam"
    case occlusion

    /// Whether the map is a class activation map (N x 1 x H x W in [0, 1]) rather than an input-shaped attribution.
    public var isCAM: Bool { self == .gradCAM || self == .gradCAMPlusPlus }

    /// Attributions for a batch: input-shaped (N x C x H x W) for gradient methods, N x 1 x H x W maps for CAMs.
    ///
    /// `cache` holds plain saliency for the same classifier, so Input × Gradient reuses it.
    public func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], settings: SanityMethodSettings,
                          cache: inout [SanityMethod: Tensor]) throws -> Tensor {
        if let cached = cache[self] { return cached }
        let result: Tensor
        switch self {
        case .saliency:
            result = try GradientAttribution.saliency(classifier, images: images, targets: targets)
        case .inputTimesGradient:
            let gradient = try SanityMethod.saliency.attribute(classifier, images: images, targets: targets,
                                                                settings: settings, cache: &cache)
            result = GradientAttribution.multiply(images, gradient)
        case .smoothGrad:
            result = try NoiseTunnel.perImage(classifier, images: images, targets: targets, kind: .smoothGrad,
                                              samples: settings.smoothGradSamples, relativeNoise: settings.smoothGradNoise,
                                              seed: settings.smoothGradSeed)
        case .integratedGradients:
            result = try IntegratedGradients.attribute(classifier, images: images, targets: targets,
                                                       steps: settings.integratedGradientsSteps).attributions
        case .guidedBackprop:
            result = try GradientAttribution.guidedBackprop(classifier, images: images, targets: targets)
        case .deconvnet:
            result = try GradientAttribution.deconvnet(classifier, images: images, targets: targets)
        case .gradCAM, .gradCAMPlusPlus:
            result = try ClassActivationMaps.attribute(classifier, images: images, targets: targets,
                                                       method: self == .gradCAM ? .gradCAM : .gradCAMPlusPlus,
                                                       layer: settings.camLayer).map
        case .guidedGradCAM:
            result = try ClassActivationMaps.guidedGradCAM(classifier, images: images, targets: targets, layer: settings.camLayer)
        case .occlusion:
            let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
            let window = min(settings.occlusionWindow, h, w), stride = min(settings.occlusionStride, window)
            result = try Occlusion.attribute(classifier, images: images, targets: targets, window: [c, window, window],
                                             stride: [c, stride, stride])
        }
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
