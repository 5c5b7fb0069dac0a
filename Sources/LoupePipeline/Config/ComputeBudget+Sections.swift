import Foundation
import LoupeAnalysis

/// The sized sections' workloads in forward-pass equivalents (FPE) and the settings lowered when they exceed
/// their budget. The counts follow what each section runs at its settings; they are estimates for sizing, not
/// measurements.
extension ComputeBudget {
    /// The job with every sized section's defaults fitted to its budget, and what was lowered.
    ///
    /// `classes` is the number of classes, `imageSide` the input's (height, width).
    public func sized(_ job: JobConfig, classes: Int, imageSide: (height: Int, width: Int)) -> (JobConfig, [Reduction]) {
        var job = job
        var reductions = [Reduction]()
        func explicit(_ section: String) -> Set<String> { Set(job.explicitOptionKeys[section] ?? []) }
        func budget(_ section: String) -> Double { ComputeBudget.budgets[section] ?? .infinity }
        if job.sections.contains(RobustnessSection.name) {
            let (options, lowered) = fit(job.robustness, section: RobustnessSection.name, knobs: ComputeBudget.robustnessKnobs,
                                         explicit: explicit(RobustnessSection.name), budget: budget(RobustnessSection.name),
                                         cost: { robustnessFPE($0) })
            job.robustness = options
            reductions += lowered
        }
        if job.sections.contains(SanitySection.name) {
            let (options, lowered) = fit(job.sanity, section: SanitySection.name, knobs: ComputeBudget.sanityKnobs,
                                         explicit: explicit(SanitySection.name), budget: budget(SanitySection.name),
                                         cost: { ComputeBudget.sanityFPE($0) })
            job.sanity = options
            reductions += lowered
        }
        if job.sections.contains(GradientsSection.name) {
            let (options, lowered) = fit(job.gradients, section: GradientsSection.name, knobs: ComputeBudget.gradientsKnobs(job.gradients, imageSide: imageSide),
                                         explicit: explicit(GradientsSection.name), budget: budget(GradientsSection.name),
                                         cost: { gradientsFPE($0, imageSide: imageSide) })
            job.gradients = options
            reductions += lowered
        }
        if job.sections.contains(FeaturesSection.name) {
            let (options, lowered) = fit(job.features, section: FeaturesSection.name, knobs: ComputeBudget.featuresKnobs,
                                         explicit: explicit(FeaturesSection.name), budget: budget(FeaturesSection.name),
                                         cost: { ComputeBudget.featuresFPE($0, classes: classes) })
            job.features = options
            reductions += lowered
        }
        return (job, reductions)
    }

    // MARK: Robustness

    /// Images per corruption first: fewer images per cell, every corruption and severity kept.
    static var robustnessKnobs: [Knob<RobustnessOptions>] { [Knob<RobustnessOptions>("images_per_corruption", \.imagesPerCorruption, minimum: 20)] }

    /// One corrupted forward pass per image, corruption and severity.
    func robustnessFPE(_ options: RobustnessOptions) -> Double {
        let perCell = options.imagesPerCorruption == 0 ? images : min(options.imagesPerCorruption, images)
        return Double(options.orderedCorruptions.count * options.orderedSeverities.count * perCell)
    }

    // MARK: Attribution methods

    /// FPE of one method on one image: a gradient is a forward and a backward pass (3 FPE), Integrated Gradients
    /// takes one per step, occlusion one forward pass per window position. The noise tunnels count 6 per sample:
    /// they run image by image, and on ResNet-50 a SmoothGrad sample took twice the time of an IG step.
    static func methodFPE(_ name: String, igSteps: Int, smoothGradSamples: Int, occlusionPositions: Int) -> Double {
        switch name {
        case "integrated-gradients": return 3 * Double(igSteps)
        case "smoothgrad", "smoothgrad-sq", "vargrad": return 6 * Double(smoothGradSamples)
        case "occlusion": return Double(occlusionPositions + 1)
        case "guided-grad-cam": return 6
        default: return 3
        }
    }

    // MARK: Sanity checks

    /// Cascade steps first (layers randomised in larger block groups), then fewer IG steps and SmoothGrad
    /// samples, shorter deletion/insertion curves, and last fewer images.
    static var sanityKnobs: [Knob<SanityOptions>] { [
        Knob<SanityOptions>("max_steps", \.maxSteps, minimum: 4),
        Knob<SanityOptions>("ig_steps", \.integratedGradientsSteps, minimum: 8),
        Knob<SanityOptions>("smoothgrad_samples", \.smoothGradSamples, minimum: 5),
        Knob<SanityOptions>("faithfulness_steps", \.faithfulnessSteps, minimum: 10),
        Knob<SanityOptions>("samples", \.sampleCount, minimum: 2),
    ] }

    /// Every method's maps once per model state (the original, each cascade step, each independent step and the
    /// RandomLogit target), plus a forward pass per deletion and insertion step for each method and the random order.
    static func sanityFPE(_ options: SanityOptions) -> Double {
        let perState = options.methods.reduce(0.0) {
            $0 + methodFPE($1, igSteps: options.integratedGradientsSteps, smoothGradSamples: options.smoothGradSamples, occlusionPositions: 64)
        }
        let states = 1 + options.maxSteps * (options.independent ? 2 : 1) + (options.randomLogit ? 1 : 0)
        let curves = Double(2 * options.faithfulnessSteps * (options.methods.count + 1))
        return Double(options.sampleCount) * (perState * Double(states) + curves)
    }

    // MARK: Gradients

    /// Fewer IG steps and SmoothGrad samples in the gallery first, then occlusion windows that no longer overlap
    /// (stride = window), then fewer images for the per-layer statistics.
    static func gradientsKnobs(_ options: GradientsOptions, imageSide: (height: Int, width: Int)) -> [Knob<GradientsOptions>] {
        let window = options.occlusionGeometry(height: imageSide.height, width: imageSide.width).window
        return [
            Knob<GradientsOptions>("ig_steps", \.integratedGradientsSteps, minimum: 20),
            Knob<GradientsOptions>("smoothgrad_samples", \.smoothGradSamples, minimum: 10),
            Knob<GradientsOptions>("occlusion_stride",
                                   get: { $0.occlusionGeometry(height: imageSide.height, width: imageSide.width).stride },
                                   set: { $0.occlusionStride = $1 },
                                   limit: window),
            Knob<GradientsOptions>("statistics_images", \.statisticsImages, minimum: 64),
        ]
    }

    /// The statistics' gradients, the gallery's methods per image, the mistakes' saliency and two Grad-CAMs,
    /// and the confused pairs' Grad-CAMs.
    func gradientsFPE(_ options: GradientsOptions, imageSide: (height: Int, width: Int)) -> Double {
        let (window, stride) = options.occlusionGeometry(height: imageSide.height, width: imageSide.width)
        let positions = ((max(imageSide.height - window, 0) / stride) + 1) * ((max(imageSide.width - window, 0) / stride) + 1)
        let gallery = options.methods.reduce(0.0) {
            $0 + ComputeBudget.methodFPE($1, igSteps: options.integratedGradientsSteps, smoothGradSamples: options.smoothGradSamples,
                                         occlusionPositions: positions)
        }
        let statistics = 3 * Double(min(options.statisticsImages, images))
        return statistics + Double(options.sampleCount) * gallery + 9 * Double(options.confidentMistakes) + 6 * Double(options.confusedPairs)
    }

    // MARK: Features

    /// Fewer ascent iterations first, then fewer units per layer, then fewer classes.
    static var featuresKnobs: [Knob<FeaturesOptions>] { [
        Knob<FeaturesOptions>("iterations", \.iterations, minimum: 50),
        Knob<FeaturesOptions>("class_iterations", \.classIterations, minimum: 50),
        Knob<FeaturesOptions>("units", \.units, minimum: 4),
        Knob<FeaturesOptions>("max_classes", \.maxClasses, minimum: 4),
    ] }

    /// A forward and backward pass per ascent iteration for every class model, regularised class and unit of the
    /// (usually two) visualised layers.
    static func featuresFPE(_ options: FeaturesOptions, classes: Int) -> Double {
        let drawn = Double(min(options.maxClasses, classes))
        let classPasses = (options.classModels ? drawn * Double(options.classIterations) : 0)
            + (options.regularisedClasses ? drawn * Double(options.iterations) : 0)
        let unitLayers = Double(options.layers?.count ?? 2)
        return 3 * (classPasses + unitLayers * Double(options.units) * Double(options.iterations))
    }
}
