import LoupeAnalysis
import LoupeTensor

/// Options of the sanity section (randomisation test, faithfulness, RandomLogit, verdicts).
public struct SanityOptions: Sendable, Equatable {
    /// Images tested (the same seeded mix of correct and misclassified images as the gradients gallery).
    public var sampleCount = 8
    /// Methods tested, in report order (see `SanityOptions.availableMethods`).
    public var methods = SanityOptions.defaultMethods
    /// Integrated Gradients steps (fewer than the gallery's: every model state recomputes the maps).
    public var integratedGradientsSteps = 20
    /// SmoothGrad noisy samples per image.
    public var smoothGradSamples = 10
    /// SmoothGrad σ as a fraction of each image's value range.
    public var smoothGradNoise = 0.15
    /// Grad-CAM layer (nil: the gradients section's `layer`, else the last value with spatial extent).
    public var camLayer: String?
    /// Most cascade steps; more layers than this are randomised in consecutive groups.
    public var maxSteps = 10
    /// Whether to run the independent (one layer at a time) randomisation as well.
    public var independent = true
    /// Deletion/insertion steps (0 turns the faithfulness curves off).
    public var faithfulnessSteps = 20
    /// Whether to run the RandomLogit check.
    public var randomLogit = true
    /// Verdict thresholds.
    public var thresholds = SanityThresholds()

    /// The default methods (registry entries with `.sanityDefault` use): those of the gradients gallery that are
    /// cheap to recompute per model state.
    public static var defaultMethods: [String] { AttributionMethods.names(with: .sanityDefault) }
    /// Every method the section can test (registry entries with `.sanity` use).
    public static var availableMethods: [String] { AttributionMethods.names(with: .sanity) }

    /// The default options.
    public init() {}

    /// The configured methods as analysis values (unknown names are refused by `validate`).
    public var parsedMethods: [SanityMethod] { methods.compactMap(SanityMethod.init(rawValue:)) }

    /// Checks names and ranges, throwing an `invalidConfig` error naming the first bad option.
    public func validate() throws {
        for method in methods where SanityMethod(rawValue: method) == nil {
            throw LoupeError(.invalidConfig, location: "sections.sanity.methods",
                             "unknown method '\(method)' (known: \(SanityOptions.availableMethods.joined(separator: ", ")))")
        }
        let checks: [(String, Bool)] = [
            ("samples", sampleCount >= 1), ("ig_steps", integratedGradientsSteps >= 1), ("smoothgrad_samples", smoothGradSamples >= 1),
            ("smoothgrad_noise", smoothGradNoise >= 0 && smoothGradNoise.isFinite), ("max_steps", maxSteps >= 1),
            ("faithfulness_steps", faithfulnessSteps >= 0),
            ("ssim_threshold", thresholds.ssim.isFinite), ("spearman_threshold", thresholds.spearman.isFinite),
            ("random_logit_threshold", thresholds.randomLogit.isFinite),
        ]
        for (name, ok) in checks where !ok {
            throw LoupeError(.invalidConfig, location: "sections.sanity.\(name)", "value out of range")
        }
    }

    /// Column/legend title of a method.
    public static func title(_ method: SanityMethod) -> String { method.method.title }

    /// Short title of a method (figure captions).
    public static func shortTitle(_ method: SanityMethod) -> String { method.method.shortTitle }
}
