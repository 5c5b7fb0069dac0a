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
        let model = context.model
        let sampleShape = context.dataset.sampleShape
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1] + sampleShape])
        let candidates = ActivationLayers.candidates(in: model.graph, shapes: { plan.shape(of: $0) })
            + ActivationLayers.tokenCandidates(in: model.graph, plan: plan)
        var blocks = try context.templates.blocks("activations_intro", context: [:])
        guard !candidates.isEmpty, context.dataset.count > 0 else {
            blocks += try context.templates.blocks("activations_no_maps", context: [:])
            return SectionOutput(key: Self.name, numbers: .object([("layers", .list([]))]),
                                 sections: [Section(title: "Activations", anchor: "activations", blocks: blocks)])
        }
        let shown = ActivationLayers.evenlySpaced(candidates, limit: max(1, options.maxLayers))
        let convLike = candidates.filter { $0.opType != "MaxPool" && $0.opType != "AveragePool" }
        let topValues = Set((convLike.isEmpty ? candidates : convLike).suffix(max(0, options.topLayers)).map(\.value))
        let shownValues = Set(shown.map(\.value))
        let scanned = candidates.filter { shownValues.contains($0.value) || topValues.contains($0.value) }

        let started = Date()
        var scans = try scan(context, layers: scanned, topValues: topValues)
        let seconds = Date().timeIntervalSince(started)
        context.log("activations: scanned \(context.dataset.count) images over \(scans.count) layers in \(String(format: "%.1f", seconds)) s")

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
            arrays.append(("attention_rollout", attention.array))
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

    /// One pass over the dataset: per-channel statistics of every scanned layer and top-k heaps for `topValues`.
    func scan(_ context: JobContext, layers: [ActivationLayers.Candidate], topValues: Set<String>) throws -> [LayerScan] {
        var producers = [String: String]()
        for node in context.model.graph.nodes { for out in node.outputs { producers[out] = node.opType } }
        var scans = layers.map { layer -> LayerScan in
            let kind = ActivationKind.of(opType: producers[layer.value] ?? layer.opType)
            let tracked = topValues.contains(layer.value) ? min(options.topChannels, layer.shape[0]) : 0
            return LayerScan(candidate: layer, statistics: ChannelStatistics(channels: layer.shape[0], kind: kind),
                             top: (0..<tracked).map { _ in TopActivations(capacity: options.topK) })
        }
        let taps = Set(layers.map(\.value))
        var batches = context.dataset.batches(size: max(1, context.job.batchSize))
        while let batch = try batches.next() {
            let result = try context.model.run(batch.images, taps: taps)
            for l in scans.indices {
                guard let tapped = result.taps[scans[l].candidate.value]?.asFloat, let value = try scans[l].candidate.map(tapped) else {
                    throw LoupeError(.invalidModel, location: scans[l].candidate.value, "the layer did not produce a 4-D value")
                }
                try scans[l].statistics.add(value)
                let tracked = scans[l].top.count
                guard tracked > 0 else { continue }
                let (n, c, h, w) = (value.shape[0], value.shape[1], value.shape[2], value.shape[3])
                value.scalars.withUnsafeBufferPointer { src in
                    for i in 0..<n {
                        for ch in 0..<tracked {
                            let map = UnsafeBufferPointer(rebasing: src[((i * c + ch) * h * w)..<((i * c + ch + 1) * h * w)])
                            let best = scans[l].candidate.channelScore(map, width: w)
                            scans[l].top[ch].offer(ActivationHit(score: best.value, index: batch.indices[i], row: best.row, column: best.column))
                        }
                    }
                }
            }
        }
        return scans
    }
}
