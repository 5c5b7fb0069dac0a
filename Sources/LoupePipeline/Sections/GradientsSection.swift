import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// The "Gradients" report section: attribution gallery, per-layer gradient statistics, Grad-CAM on confusions.
public struct GradientsSection: ReportSection {
    public static let name = "gradients"
    /// The section's options (defaults until the config schema wires them in).
    public var options: GradientsOptions

    /// A section with the default options.
    public init() { options = GradientsOptions() }

    /// A section with explicit options.
    public init(options: GradientsOptions) { self.options = options }
    public init(options: GradientsOptions, job: JobConfig) { self.init(options: options) }

    /// Computes the gallery, the per-layer statistics and the confused-pair maps, in that order.
    public func make(_ context: JobContext) throws -> SectionOutput {
        try options.validate()
        // Models without a spatial layer (MLPs) get every method except the CAM family.
        let hasCAMLayer = options.camLayer != nil
            || (try? ClassActivationMaps.defaultLayer(context.classifier, sampleShape: context.dataset.sampleShape)) != nil
        let isCAM = { (name: String) in AttributionMethods.named(name)?.isCAM == true }
        if !hasCAMLayer && (options.methods.contains(where: isCAM) || options.confusedPairs > 0) {
            var reduced = options
            reduced.methods = options.methods.filter { !isCAM($0) }
            reduced.confusedPairs = 0
            var output = try GradientsSection(options: reduced).make(context)
            output.sections[0].blocks.insert(contentsOf: try context.templates.blocks("gradients_no_cam", context: [:]), at: 0)
            return output
        }
        let began = Date()
        var blocks = try context.templates.blocks("gradients_intro", context: [
            "images": counted(context.evaluation.labels.count, "image"), "accuracy": percent(context.evaluation.accuracy),
        ])
        blocks.append(.heading("Attribution gallery", level: 2))
        blocks += try context.templates.blocks("gradients_gallery", context: galleryProse())
        let gallery = try gallery(context)
        blocks += gallery.blocks
        var mistakes: (blocks: [Block], numbers: SummaryValue, arrays: [(String, Tensor)]) = ([], .list([]), [])
        if options.confidentMistakes > 0 {
            blocks.append(.heading("The most confident mistakes", level: 2))
            mistakes = try confidentMistakes(context, hasCAM: hasCAMLayer)
            blocks += mistakes.blocks
        }
        blocks.append(.heading("Gradient flow through the layers", level: 2))
        let layers = try layerStatistics(context)
        blocks += layers.blocks
        // confusedPairs is 0 when asked for, or when the model has no layer Grad-CAM could use.
        var confused: (blocks: [Block], numbers: SummaryValue, arrays: [(String, Tensor)]) = ([], .list([]), [])
        if options.confusedPairs > 0 {
            blocks.append(.heading("Grad-CAM on the most confused classes", level: 2))
            confused = try confusedPairs(context)
            blocks += confused.blocks
        }
        // What the zero baseline is depends on where the input is normalised (see InputNormalisation).
        let baseline = InputNormalisation.of(context.model.graph, input: context.classifier.inputName,
                                             preprocessingMean: context.job.preprocessing.mean)
        blocks += try context.templates.blocks("gradients_caveats", context: [
            baseline == .preprocessing ? "baseline_mean" : baseline == .inGraph ? "baseline_in_graph" : "baseline_black": true,
        ])
        let numbers = SummaryValue.object([
            ("gallery", gallery.numbers), ("layers", layers.numbers), ("confused_pairs", confused.numbers), ("confident_mistakes", mistakes.numbers),
            ("seconds", .number(Date().timeIntervalSince(began))),
        ])
        return SectionOutput(key: Self.name, numbers: numbers,
                             sections: [Section(title: "Gradients and attributions", anchor: "gradients", blocks: blocks)],
                             arrays: gallery.arrays + mistakes.arrays + confused.arrays)
    }

    /// Template values describing the gallery's methods and settings.
    func galleryProse() -> [String: Any] {
        var values: [String: Any] = ["count": options.sampleCount, "ig_steps": counted(options.integratedGradientsSteps, "step"),
                                     "sg_samples": counted(options.smoothGradSamples, "copy", "copies"),
                                     "sg_noise": String(format: "%.2f", options.smoothGradNoise)]
        for method in options.methods { values[method.replacingOccurrences(of: "-", with: "_")] = true }
        return values
    }
}
