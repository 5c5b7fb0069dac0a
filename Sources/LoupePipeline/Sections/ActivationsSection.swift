import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeTensor

/// Options of the activation pages (defaults used when the config gives none).
public struct ActivationsOptions: Sendable, Equatable {
    /// Sample images whose feature maps are drawn (stratified by class).
    public var sampleCount = 4
    /// Feature-map layers drawn (evenly spaced, first and last kept) and channels per layer.
    public var maxLayers = 6
    public var channelsShown = 16
    /// Top-k images for the first `topChannels` channels of the last `topLayers` conv-like layers.
    public var topK = 9
    public var topChannels = 8
    /// Channels whose top-k lists are kept while scanning; the rows are chosen among them.
    public static let trackedChannelCap = 512
    public var topLayers = 2
    public init() {}
}

/// The activations section: feature maps of sample images, top-9 images per channel with their
/// receptive fields, and per-layer statistics over the dataset from one streamed pass.
public struct ActivationsSection: ReportSection {
    public static let name = "activations"
    public var options = ActivationsOptions()
    public init() {}
    public init(options: ActivationsOptions) { self.options = options }
    public init(options: ActivationsOptions, job: JobConfig) { self.init(options: options) }

    /// What the dataset pass collects for one layer.
    struct LayerScan {
        var candidate: ActivationLayers.Candidate
        var statistics: ChannelStatistics
        /// One heap per tracked channel (empty for layers without top-k).
        var top: [TopActivations]
    }

    public func make(_ context: JobContext) throws -> SectionOutput {
        var blocks = try context.templates.blocks("activations_intro", context: [:])
        guard let layers = try scanPlan(context) else {
            blocks += try context.templates.blocks("activations_no_maps", context: [:])
            return SectionOutput(key: Self.name, numbers: .object([("layers", .list([]))]),
                                 sections: [Section(title: "Activations", anchor: "activations", blocks: blocks)])
        }
        let (shown, topValues) = (layers.shown, layers.topValues)
        let started = Date()
        var scans = try finish(gathered(context), layers: layers, context: context)
        let seconds = Date().timeIntervalSince(started)
        context.log("activations: scanned \(counted(context.dataset.count, "image")) over \(counted(scans.count, "layer")) in \(String(format: "%.1f", seconds)) s")

        var numbers = [(String, SummaryValue)]()
        var arrays = [(String, Tensor)]()
        numbers.append(("images_scanned", .integer(context.dataset.count)))

        let samples = ActivationFigures.sampleIndices(context, count: options.sampleCount)
        let maps = try ActivationFigures.featureMaps(context, samples: samples, layers: shown, options: options)
        blocks += maps.blocks
        numbers.append(("feature_maps", maps.numbers))
        if let attention = try ActivationFigures.attention(context, samples: samples) {
            blocks += attention.blocks
            numbers.append(("attention", attention.numbers))
            if attention.array.count > 0 { arrays.append(("attention_rollout", attention.array)) }
        }

        for i in scans.indices where topValues.contains(scans[i].candidate.value) {
            let part = try ActivationFigures.topImages(context, scan: scans[i], options: options)
            blocks += part.blocks
            numbers.append(("top_\(scans[i].candidate.value)", part.numbers))
            arrays.append(("top_indices_" + ActivationFigures.fileName(scans[i].candidate.value), part.array))
            scans[i].top = []
        }
        let table = try ActivationFigures.statistics(context, scans: scans)
        blocks += table.blocks
        numbers.append(("layers", table.numbers))
        for scan in scans {
            let s = scan.statistics
            let rows = (0..<s.channels).flatMap { c in [Float(s.means[c]), s.maxima[c], Float(s.zeroFractions[c]), Float(s.positiveFractions[c])] }
            arrays.append(("channel_stats_" + ActivationFigures.fileName(scan.candidate.value), Tensor(shape: [s.channels, 4], scalars: rows)))
        }
        return SectionOutput(key: Self.name, numbers: .object(numbers),
                             sections: [Section(title: "Activations", anchor: "activations", blocks: blocks)], arrays: arrays)
    }
}
