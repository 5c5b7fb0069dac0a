import LoupeAnalysis
import LoupeTensor

/// Options of the gradients section; the defaults are what a job gets until the config schema wires them in.
public struct GradientsOptions: Sendable, Equatable {
    /// Images in the attribution gallery (a seeded mix of correct and misclassified ones).
    public var sampleCount = 8
    /// Gallery methods, in column order (see `GradientsOptions.availableMethods`).
    public var methods = GradientsOptions.defaultMethods
    /// Integrated Gradients: Gauss–Legendre steps; the baseline is the zero tensor.
    public var integratedGradientsSteps = 50
    /// SmoothGrad: noisy samples per image.
    public var smoothGradSamples = 25
    /// SmoothGrad: noise standard deviation as a fraction of each image's value range (max − min).
    public var smoothGradNoise = 0.15
    /// Occlusion window side in pixels (nil: derived from the image size, see `occlusionGeometry`).
    public var occlusionWindow: Int?
    /// Occlusion stride in pixels (nil: half the window).
    public var occlusionStride: Int?
    /// Grad-CAM layer (nil: the last value with spatial extent).
    public var camLayer: String?
    /// Images used for the per-layer gradient statistics (a seeded sample when the dataset is larger).
    public var statisticsImages = 512
    /// Most-confused class pairs shown with Grad-CAM.
    public var confusedPairs = 3
    /// Misclassified images shown in the gallery of the most confident mistakes (0: none).
    public var confidentMistakes = 6

    /// The gallery's default methods: registry entries with `.galleryDefault` use (Score-CAM is available but off
    /// by default: it costs one forward per channel).
    public static var defaultMethods: [String] { AttributionMethods.names(with: .galleryDefault) }
    /// Every method name the gallery understands: registry entries with `.gallery` use.
    public static var availableMethods: [String] { AttributionMethods.names(with: .gallery) }

    public init() {}

    /// Checks names and ranges, throwing an `invalidConfig` error naming the first bad option.
    public func validate() throws {
        for method in methods where !GradientsOptions.availableMethods.contains(method) {
            throw LoupeError(.invalidConfig, location: "sections.gradients.methods",
                             "unknown method '\(method)' (known: \(GradientsOptions.availableMethods.joined(separator: ", ")))")
        }
        let checks: [(String, Bool)] = [
            ("samples", sampleCount >= 0), ("ig_steps", integratedGradientsSteps >= 1),
            ("smoothgrad_samples", smoothGradSamples >= 1), ("smoothgrad_noise", smoothGradNoise >= 0 && smoothGradNoise.isFinite),
            ("occlusion_window", (occlusionWindow ?? 1) >= 1), ("occlusion_stride", (occlusionStride ?? 1) >= 1),
            ("statistics_images", statisticsImages >= 0), ("confused_pairs", confusedPairs >= 0),
            ("confident_mistakes", confidentMistakes >= 0 && confidentMistakes <= 32),
        ]
        for (name, ok) in checks where !ok {
            throw LoupeError(.invalidConfig, location: "sections.gradients.\(name)", "value out of range")
        }
    }

    /// Occlusion window and stride for an image: window = max(2, round(min(H, W)/7)), stride = max(1, window/2).
    ///
    /// A 28 or 32 px image gets a 4 px window with stride 2; a 224 px image a 32 px window with stride 16.
    public func occlusionGeometry(height: Int, width: Int) -> (window: Int, stride: Int) {
        let side = max(1, min(height, width))
        let window = min(side, occlusionWindow ?? max(2, Int((Double(side) / 7).rounded())))
        let stride = min(window, occlusionStride ?? max(1, window / 2))
        return (window, stride)
    }

    /// A one-line caption title of a method (gallery cells are narrow).
    public static func shortTitle(_ method: String) -> String {
        AttributionMethods.named(method)?.shortTitle ?? method
    }

    /// The column title of a method.
    public static func title(_ method: String) -> String {
        AttributionMethods.named(method)?.title ?? method
    }
}
