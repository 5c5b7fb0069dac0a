import LoupeAnalysis
import LoupeTensor

/// The gradient-statistics pass split for shards: each shard measures its batches of the seeded sample.
extension GradientsSection: GatheringSection {
    /// Forward and reverse passes over the shard's batches of the sampled images; per-batch norms and losses.
    func gather(_ context: JobContext, shard: ShardSpec) throws -> GradientsGathered {
        let layers = LayerGradientStatistics.layers(of: context.model)
        guard !layers.isEmpty, context.dataset.count > 0, options.statisticsImages > 0 else { return GradientsGathered() }
        var generator = context.generator("gradients.layers")
        let indices = SampleChoice.capped(count: context.dataset.count, cap: options.statisticsImages, generator: &generator)
        var batches = shard.batches(of: indices, batchSize: context.job.batchSize)[...]
        let report = try LayerGradientStatistics.measure(context.classifier, layers: layers) {
            guard let chunk = batches.popFirst() else { return nil }
            return try context.dataset.batch(chunk)
        }
        return GradientsGathered(parameterNorms: report.layers.map(\.parameterNorms), activationNorms: report.layers.map(\.activationNorms),
                                 losses: report.losses, batchSizes: report.batchSizes, skipped: report.skippedParameters,
                                 measured: !report.losses.isEmpty)
    }
}

/// Per-batch gradient norms and losses of a slice of the sampled images (lists concatenate in batch order).
struct GradientsGathered: ShardPayload {
    /// Per layer, per batch.
    var parameterNorms: [[Double]] = []
    var activationNorms: [[Double]] = []
    var losses: [Double] = []
    var batchSizes: [Int] = []
    /// Parameters the engine could not differentiate, decided on the first batch of the first slice with any.
    var skipped: [String] = []
    /// Whether this slice held any batch (its `skipped` list then counts).
    var measured = false

    /// The report of every batch for `layers`.
    func report(layers: [GradientLayer]) throws -> LayerGradientReport {
        guard parameterNorms.isEmpty || (parameterNorms.count == layers.count && activationNorms.count == layers.count) else {
            throw LoupeError(.invalidInput, location: "shards", "gradient norms of \(parameterNorms.count) layers for \(layers.count)")
        }
        let norms = layers.enumerated().map { l, layer in
            LayerGradientNorms(layer: layer, parameterNorms: parameterNorms.isEmpty ? [] : parameterNorms[l],
                               activationNorms: activationNorms.isEmpty ? [] : activationNorms[l])
        }
        return LayerGradientReport(layers: norms, losses: losses, batchSizes: batchSizes, skippedParameters: skipped)
    }

    mutating func append(_ next: GradientsGathered) throws {
        guard next.measured else { return }
        guard measured else { self = next; return }
        guard next.parameterNorms.count == parameterNorms.count else {
            throw LoupeError(.invalidInput, location: "shards", "gradient norms of \(next.parameterNorms.count) layers after \(parameterNorms.count)")
        }
        for l in parameterNorms.indices {
            parameterNorms[l] += next.parameterNorms[l]
            activationNorms[l] += next.activationNorms[l]
        }
        losses += next.losses
        batchSizes += next.batchSizes
    }

    func encode(into writer: inout ShardWriter) {
        writer.flag(measured)
        writer.list(parameterNorms) { $0.doubles($1) }
        writer.list(activationNorms) { $0.doubles($1) }
        writer.doubles(losses)
        writer.ints(batchSizes)
        writer.texts(skipped)
    }

    static func decode(from reader: inout ShardReader) throws -> GradientsGathered {
        let measured = try reader.flag("gradients flag")
        return GradientsGathered(parameterNorms: try reader.list("layers") { try $0.doubles("parameter norms") },
                                 activationNorms: try reader.list("layers") { try $0.doubles("activation norms") },
                                 losses: try reader.doubles("losses"), batchSizes: try reader.ints("batch sizes"),
                                 skipped: try reader.texts("skipped parameters"), measured: measured)
    }
}
