import LoupeTensor

/// The embedding pass split for shards: each shard gathers the feature rows of its slice of the sample.
extension EmbeddingsSection: GatheringSection {
    /// The layers mapped and the seeded stratified sample of images (no images when fewer than two or no layers).
    func sampledImages(_ context: JobContext) throws -> (layers: [EmbeddingLayer], indices: [Int]) {
        let model = context.model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1] + context.dataset.sampleShape])
        let layers = try options.layers.map { try EmbeddingLayerChoice.resolve($0, model: model, plan: plan) }
            ?? EmbeddingLayerChoice.defaults(model: model, plan: plan)
        let allLabels = context.dataset.labels
        guard allLabels.count >= 2, !layers.isEmpty else { return (layers, []) }
        var generator = context.generator("embeddings.sample")
        return (layers, Self.stratifiedSample(labels: allLabels, count: min(options.points, allLabels.count), generator: &generator))
    }

    /// The feature rows of the shard's part of the sample, every layer.
    func gather(_ context: JobContext, shard: ShardSpec) throws -> EmbeddingsGathered {
        try options.validate()
        let (layers, indices) = try sampledImages(context)
        guard !indices.isEmpty else { return EmbeddingsGathered(rows: []) }
        let slice = Array(indices[shard.positions(of: indices.count, batchSize: context.job.batchSize)])
        return EmbeddingsGathered(rows: try gather(context, layers: layers, indices: slice).map(\.values))
    }
}

/// Per layer: the pooled feature rows of a slice of the sample, row-major in sample order (rows concatenate).
struct EmbeddingsGathered: ShardPayload {
    var rows: [[Float]]

    /// The features of every layer, checked against the sample size.
    func features(layers: [EmbeddingLayer], maxFeatures: Int, count: Int) throws -> [EmbeddingFeatures] {
        guard rows.count == layers.count else {
            throw LoupeError(.invalidInput, location: "shards", "embedding rows of \(rows.count) layers for \(layers.count)")
        }
        return try zip(layers, rows).map { layer, values in
            var features = EmbeddingFeatures.empty(layer: layer, maxFeatures: maxFeatures, capacity: 0)
            guard values.count == count * features.dimension else {
                throw LoupeError(.invalidInput, location: "shards", "\(values.count) embedding values for \(count) images of layer \(layer.name)")
            }
            features.values = values
            return features
        }
    }

    mutating func append(_ next: EmbeddingsGathered) throws {
        if rows.isEmpty { rows = next.rows; return }
        guard next.rows.isEmpty || next.rows.count == rows.count else {
            throw LoupeError(.invalidInput, location: "shards", "embedding rows of \(next.rows.count) layers after \(rows.count)")
        }
        for l in next.rows.indices { rows[l] += next.rows[l] }
    }

    func encode(into writer: inout ShardWriter) { writer.list(rows) { $0.floats($1) } }

    static func decode(from reader: inout ShardReader) throws -> EmbeddingsGathered {
        EmbeddingsGathered(rows: try reader.list("layers") { try $0.floats("feature rows") })
    }
}
