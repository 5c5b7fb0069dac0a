import LoupeAnalysis
import LoupeTensor

/// Options of the features section (feature visualisation and the data randomisation test).
public struct FeaturesOptions: Sendable, Equatable {
    /// Draw class models (Simonyan et al. 2013), one per class.
    public var classModels = true
    /// Also draw class visualisations with the regularisers of Yosinski et al. (2015).
    public var regularisedClasses = true
    /// Classes drawn at most (evenly spaced over the class list when there are more).
    public var maxClasses = 20
    /// Iterations of the class-model ascent; λ and η (nil: calibrated from the gradient at the zero image).
    public var classIterations = 200
    public var classL2: Double?
    public var classStep: Double?
    /// Values whose units are visualised (nil: the last convolution or activation output with spatial extent and the vector feeding the last
    /// fully connected layer).
    public var layers: [String]?
    /// Units (channels) visualised per layer: the first ones.
    public var units = 8
    /// Regularised activation maximisation settings (shared by regularised classes and units).
    public var iterations = 200
    public var stepSize = 0.02
    public var decay = 0.02
    public var blurWidth = 0.75
    public var blurEvery = 4
    public var normPercentile = 0.0
    public var contributionPercentile = 0.0
    public var jitter = 1
    public var normaliseGradient = true
    /// Data randomisation test (runs only when the job has `training_data`).
    public var randomisation = DataRandomisationOptions()

    public init() {}

    /// Regularised settings for the optimiser, seeded.
    func activationSettings(seed: UInt64) -> ActivationMaximisation.Settings {
        var s = ActivationMaximisation.Settings()
        s.iterations = iterations
        s.stepSize = Float(stepSize)
        s.decay = Float(decay)
        s.blurWidth = Float(blurWidth)
        s.blurEvery = blurEvery
        s.normPercentile = normPercentile
        s.contributionPercentile = contributionPercentile
        s.jitter = jitter
        s.normaliseGradient = normaliseGradient
        s.seed = seed
        return s
    }

    /// Checks ranges, throwing an `invalidConfig` error naming the first bad option.
    public func validate() throws {
        let checks: [(String, Bool)] = [
            ("class_iterations", classIterations >= 1 && classIterations <= 100_000),
            ("class_l2", classL2.map { $0 > 0 && $0.isFinite } ?? true),
            ("class_step", classStep.map { $0 > 0 && $0.isFinite } ?? true),
            ("units", units >= 1 && units <= 512), ("max_classes", maxClasses >= 1 && maxClasses <= 1000), ("iterations", iterations >= 1 && iterations <= 100_000),
            ("step", stepSize > 0 && stepSize.isFinite), ("decay", decay >= 0 && decay < 1),
            ("blur_width", blurWidth >= 0 && blurWidth <= 20), ("blur_every", blurEvery >= 1),
            ("norm_percentile", normPercentile >= 0 && normPercentile < 100),
            ("contribution_percentile", contributionPercentile >= 0 && contributionPercentile < 100),
            ("jitter", jitter >= 0 && jitter <= 64), ("layers", layers.map { !$0.isEmpty } ?? true),
        ]
        for (name, ok) in checks where !ok {
            throw LoupeError(.invalidConfig, location: "sections.features.\(name)", "value out of range")
        }
        try randomisation.validate()
    }
}

/// Options of the data randomisation test (Adebayo et al. 2018): retraining on shuffled labels.
public struct DataRandomisationOptions: Sendable, Equatable {
    /// Run the test when the job has training data.
    public var enabled = true
    /// Wall-clock budget for retraining, in seconds.
    public var budgetSeconds = 60.0
    /// Optional cap on optimiser steps (the only limit when the run must be reproducible).
    public var maxSteps: Int?
    /// Models with more trainable parameters are not retrained.
    public var parameterCap = 1_000_000
    /// Training images used at most (a seeded sample of the training data).
    public var maxImages = 10_000
    /// Images whose maps are compared.
    public var samples = 6
    public var learningRate = 0.003
    public var batchSize = 32
    /// Below this accuracy on its own shuffled labels the retrained model has not memorised them: the test is weak
    /// and its verdict inconclusive.
    public var minFit = 0.5

    /// Steps used when the run must be reproducible and `maxSteps` is not set (wall-clock budgets are not reproducible).
    public static let reproducibleSteps = 300

    public init() {}

    public func validate() throws {
        let checks: [(String, Bool)] = [
            ("budget_seconds", budgetSeconds > 0 && budgetSeconds.isFinite), ("max_steps", (maxSteps ?? 1) >= 1),
            ("parameter_cap", parameterCap >= 1), ("max_images", maxImages >= 1), ("samples", samples >= 1 && samples <= 64),
            ("learning_rate", learningRate > 0 && learningRate.isFinite), ("batch_size", batchSize >= 1 && batchSize <= 4096),
            ("min_fit", minFit >= 0 && minFit <= 1),
        ]
        for (name, ok) in checks where !ok {
            throw LoupeError(.invalidConfig, location: "sections.features.data_randomisation.\(name)", "value out of range")
        }
    }
}
