import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// Everything the sanity pages are drawn from (computed once, then laid out).
struct SanityRun {
    var indices: [Int]
    var images: Tensor
    var labels: [Int]
    var targets: [Int]
    var methods: [SanityMethod]
    var settings: SanityMethodSettings
    var randomisation: RandomisationResult
    var faithfulness: [SanityMethod: [PerturbationCurves]]
    var randomOrder: [PerturbationCurves]
    var randomLogit: [SanityMethod: [Double]]
    var otherClasses: [Int]
    var seconds: (randomisation: Double, faithfulness: Double, randomLogit: Double)
    /// Methods whose original map was empty on some images, with the count (left out of the randomisation scores).
    var emptyMaps: [(String, Int)] = []
}

/// The "Sanity checks" report section: model parameter randomisation, deletion/insertion, RandomLogit, verdicts.
public struct SanitySection: ReportSection {
    public static let name = "sanity"
    public var options: SanityOptions

    /// A section with the default options.
    public init() { options = SanityOptions() }

    /// A section with explicit options.
    public init(options: SanityOptions) { self.options = options }
    public init(options: SanityOptions, job: JobConfig) { self.init(options: options) }

    /// Runs the checks and lays out their pages (a note instead when the checks cannot apply to the job).
    public func make(_ context: JobContext) throws -> SectionOutput {
        try options.validate()
        if let reason = try notApplicable(context) {
            return SectionOutput(key: Self.name, numbers: .object([("skipped", .text(reason))]), sections: [
                Section(title: "Sanity checks of the attributions", anchor: "sanity", blocks: [
                    .callout(Callout(.note, title: "Sanity checks not run", body: [TextRun(reason)])),
                ]),
            ])
        }
        let began = Date()
        var notes = [Block]()
        let run = Self.withoutEmptyMaps(try compute(context, notes: &notes), notes: &notes)
        var blocks = try context.templates.blocks("sanity_intro", context: introProse(run, context))
        blocks += notes
        blocks.append(.heading("Verdicts", level: 2))
        blocks += try verdictBlocks(run, templates: context.templates)
        blocks.append(.heading("Cascading randomisation", level: 2))
        blocks += try cascadeBlocks(run, context)
        if options.independent {
            blocks.append(.heading("Independent randomisation", level: 2))
            blocks += try independentBlocks(run, context)
        }
        if options.faithfulnessSteps > 0 {
            blocks.append(.heading("Deletion and insertion", level: 2))
            blocks += try faithfulnessBlocks(run, templates: context.templates)
        }
        if options.randomLogit {
            blocks.append(.heading("RandomLogit: does the map depend on the class?", level: 2))
            blocks += try randomLogitBlocks(run, templates: context.templates)
        }
        blocks += try context.templates.blocks("sanity_caveats", context: [:])
        let total = Date().timeIntervalSince(began)
        if !context.reproducible {
            let cost = try context.templates.text("sanity_cost", [
                "total": String(format: "%.1f", total), "randomisation": String(format: "%.1f", run.seconds.randomisation),
                "faithfulness": String(format: "%.1f", run.seconds.faithfulness),
                "random_logit": String(format: "%.1f", run.seconds.randomLogit), "images": counted(run.indices.count, "image"),
                "methods": counted(run.methods.count, "method"),
            ])
            blocks.append(.paragraph([TextRun(cost, italic: true)]))
        }
        var numbers = summary(run)
        if case .object(var entries) = numbers {
            entries.append(("empty_maps", .object(run.emptyMaps.map { ($0.0, .integer($0.1)) })))
            entries += [("seconds", .number(total)), ("seconds_randomisation", .number(run.seconds.randomisation)),
                        ("seconds_faithfulness", .number(run.seconds.faithfulness)),
                        ("seconds_random_logit", .number(run.seconds.randomLogit))]
            numbers = .object(entries)
        }
        return SectionOutput(key: Self.name, numbers: numbers,
                             sections: [Section(title: "Sanity checks of the attributions", anchor: "sanity", blocks: blocks)])
    }

    /// Why the checks cannot run on this job (nil when they can): they need image inputs and weights to randomise.
    func notApplicable(_ context: JobContext) throws -> String? {
        let shape = context.dataset.sampleShape
        if shape.count != 3 {
            return try context.templates.text("sanity_not_applicable", ["not_images": true, "shape": "\(shape)"])
        }
        if ParameterRandomisation.layers(in: context.model.graph).isEmpty {
            return try context.templates.text("sanity_not_applicable", ["no_weights": true])
        }
        if context.evaluation.labels.isEmpty { return "The dataset has no images." }
        return nil
    }

    /// Picks the images, runs the randomisation test, the faithfulness curves and RandomLogit.
    func compute(_ context: JobContext, notes: inout [Block]) throws -> SanityRun {
        var generator = context.generator("gradients.gallery")
        let evaluation = context.evaluation
        let indices = SampleChoice.gallery(labels: evaluation.labels, predictions: evaluation.predictions,
                                           count: options.sampleCount, generator: &generator)
        guard !indices.isEmpty else { throw LoupeError(.invalidInput, location: "sections.sanity", "the dataset has no images to test") }
        let (images, labels) = try context.dataset.batch(indices)
        guard images.rank == 4 else {
            throw LoupeError(.invalidInput, location: "sections.sanity", "needs image inputs N x C x H x W, got \(images.shape)")
        }
        let classifier = context.classifier
        let targets = try classifier.targets(.predicted, scores: try classifier.scores(images))
        var methods = options.parsedMethods
        var settings = SanityMethodSettings()
        settings.integratedGradientsSteps = options.integratedGradientsSteps
        settings.smoothGradSamples = options.smoothGradSamples
        settings.smoothGradNoise = Float(options.smoothGradNoise)
        var seeds = context.generator("sanity.seeds")
        settings.smoothGradSeed = seeds.next()
        let randomisationSeed = seeds.next()
        let geometry = context.job.gradients.occlusionGeometry(height: images.shape[2], width: images.shape[3])
        settings.occlusionWindow = geometry.window
        settings.occlusionStride = geometry.stride
        let usesCAM = methods.contains { $0.isCAM || $0 == .guidedGradCAM }
        if usesCAM {
            settings.camLayer = options.camLayer ?? context.job.gradients.camLayer
                ?? (try? ClassActivationMaps.defaultLayer(classifier, sampleShape: context.dataset.sampleShape))
            if settings.camLayer == nil {
                methods.removeAll { $0.isCAM || $0 == .guidedGradCAM }
                notes += try context.templates.blocks("sanity_no_cam", context: [:])
            }
        }
        guard !methods.isEmpty else { throw LoupeError(.invalidConfig, location: "sections.sanity.methods", "no method to test") }
        var started = Date()
        let randomisation = try ModelRandomisationTest.run(
            classifier, images: images, targets: targets, methods: methods, settings: settings, maxSteps: options.maxSteps,
            independent: options.independent, seed: randomisationSeed, progress: context.log)
        let randomisationSeconds = Date().timeIntervalSince(started)
        started = Date()
        var faithfulness = [SanityMethod: [PerturbationCurves]]()
        var randomOrder = [PerturbationCurves]()
        if options.faithfulnessSteps > 0 {
            context.log("sanity: deletion and insertion curves")
            let n = images.shape[0]
            for method in methods {
                guard let original = randomisation.originals[method] else { continue }
                faithfulness[method] = try Faithfulness.curves(classifier, images: images, targets: targets,
                                                               importance: (0..<n).map { SanityMethod.importance(original, image: $0) },
                                                               steps: options.faithfulnessSteps)
            }
            var orderGenerator = context.generator("sanity.random-order")
            let random = Faithfulness.randomImportance(count: n, plane: images.shape[2] * images.shape[3], generator: &orderGenerator)
            randomOrder = try Faithfulness.curves(classifier, images: images, targets: targets, importance: random,
                                                  steps: options.faithfulnessSteps)
        }
        let faithfulnessSeconds = Date().timeIntervalSince(started)
        started = Date()
        var randomLogit = [SanityMethod: [Double]]()
        var others = [Int]()
        let classCount = try classifier.scores(images.slice(batch: 0..<1)).shape[1]
        if options.randomLogit && classCount > 1 {
            context.log("sanity: RandomLogit")
            var classGenerator = context.generator("sanity.random-logit")
            others = RandomLogit.otherClasses(labels: labels, classCount: classCount, generator: &classGenerator)
            let validLabels = labels.map { min(max($0, 0), classCount - 1) }
            for method in methods {
                var cache = [SanityMethod: Tensor]()
                let forLabel = try method.attribute(classifier, images: images, targets: validLabels, settings: settings, cache: &cache)
                cache = [:]
                let forOther = try method.attribute(classifier, images: images, targets: others, settings: settings, cache: &cache)
                // A pair with an empty map has no similarity to speak of: NaN, left out of the mean.
                let empty = zip(EmptyMaps.rows(forLabel), EmptyMaps.rows(forOther)).map { $0 || $1 }
                randomLogit[method] = try RandomLogit.similarity(forLabel, forOther).enumerated().map { i, value in
                    i < empty.count && empty[i] ? .nan : value
                }
            }
        }
        return SanityRun(indices: indices, images: images, labels: labels, targets: targets, methods: methods, settings: settings,
                         randomisation: randomisation, faithfulness: faithfulness, randomOrder: randomOrder,
                         randomLogit: randomLogit, otherClasses: others,
                         seconds: (randomisationSeconds, faithfulnessSeconds, Date().timeIntervalSince(started)))
    }

    /// Template values of the introduction.
    func introProse(_ run: SanityRun, _ context: JobContext) -> [String: Any] {
        let layers = run.randomisation.layers
        return [
            "images": counted(run.indices.count, "image"), "methods": run.methods.map { SanityOptions.title($0) }.joined(separator: ", "),
            "layer_count": counted(layers.count, "parametrised layer"), "steps": counted(run.randomisation.groups.count, "group"), "grouped": run.randomisation.groups.count < layers.count,
            "independent": options.independent, "ig_steps": counted(run.settings.integratedGradientsSteps, "Gauss–Legendre step"),
            "sg_samples": counted(run.settings.smoothGradSamples, "sample"), "sg_noise": String(format: "%.2f", options.smoothGradNoise),
            "cam_layer": run.settings.camLayer ?? "", "has_cam": run.methods.contains { $0.isCAM || $0 == .guidedGradCAM },
            "hog_cell": run.randomisation.hogCell, "ssim_threshold": String(format: "%.2f", options.thresholds.ssim),
            "spearman_threshold": String(format: "%.2f", options.thresholds.spearman),
            "random_logit_threshold": String(format: "%.2f", options.thresholds.randomLogit),
            "faithfulness": options.faithfulnessSteps > 0, "faithfulness_steps": counted(options.faithfulnessSteps, "step"),
            "random_logit": options.randomLogit,
        ]
    }

    /// Mean of one measure at cascade step `step` for a method's curves.
    static func mean(_ scores: [SimilarityScores], _ key: String) -> Double {
        meanAndDeviation(scores.map { $0.value(key) }).mean
    }
}
