import Foundation
import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

/// One 2-D map of a layer's features with its quality numbers.
struct EmbeddingMap {
    var method: String
    /// N × 2 coordinates, row-major (empty when the method failed or was skipped).
    var xy: [Float] = []
    var trustworthiness: Double?
    var knnAccuracy2D: Double?
    /// t-SNE: final KL(P ‖ Q) against the sparse P, and whether Z was summed over all pairs.
    var klDivergence: Double?
    var klIsExact = true
    /// t-SNE: how Z was estimated when not exact (`barnes-hut` or `fft-interpolation`).
    var klEstimate = "exact"
    /// t-SNE: openTSNE-style KL (sparse P, approximate Z), for comparison with the libraries.
    var klApproximate: Double?
    var iterations: Int?
    /// PCA: fraction of the variance along each of the two components.
    var explainedVarianceRatio: [Double]?
    var seconds: Double = 0
    /// Why the map is missing, when it is.
    var skipped: String?
}

/// One mapped layer: its features' description, the original-space k-NN accuracy and the maps.
struct LayerEmbedding {
    var layer: EmbeddingLayer
    var poolingFactor: Int
    var dimension: Int
    var knnAccuracyOriginal: Double?
    var maps: [EmbeddingMap]
}

/// The "Embeddings" report section: PCA and t-SNE maps of a few layers' features for a stratified
/// sample of images, coloured by class, with trustworthiness, k-NN accuracies and KL divergence.
public struct EmbeddingsSection: ReportSection {
    public static let name = "embeddings"
    public var options: EmbeddingsOptions

    /// A section with the default options.
    public init() { options = EmbeddingsOptions() }

    /// A section with explicit options.
    public init(options: EmbeddingsOptions) { self.options = options }
    public init(options: EmbeddingsOptions, job: JobConfig) { self.init(options: options) }

    /// Picks the layers, samples the images, gathers their features in one pass, maps every layer, builds the pages.
    public func make(_ context: JobContext) throws -> SectionOutput {
        try options.validate()
        let began = Date()
        let (layers, indices) = try sampledImages(context)
        let allLabels = context.dataset.labels
        guard allLabels.count >= 2, !layers.isEmpty else {
            let blocks = try context.templates.blocks("embeddings_intro", context: ["too_few": true, "images": counted(allLabels.count, "image")])
            return SectionOutput(key: Self.name, numbers: .object([("points", .integer(0)), ("layers", .list([]))]),
                                 sections: [Section(title: "Embeddings", anchor: "embeddings", blocks: blocks)])
        }
        let labels = indices.map { allLabels[$0] }
        context.log("embeddings: \(counted(indices.count, "image")), layers \(layers.map(\.name).joined(separator: ", "))")
        let gathered = try self.gathered(context).features(layers: layers, maxFeatures: options.maxFeatures, count: indices.count)
        let settings = Settings(points: indices.count, requestedPerplexity: options.perplexity, neighbours: options.neighbours,
                                seed: UInt64(context.job.seed))
        var results = [LayerEmbedding]()
        for features in gathered {
            if let note = Self.nonFiniteNote(features, indices: indices, model: context.model) {
                context.log("embeddings: " + note)
                results.append(LayerEmbedding(layer: features.layer, poolingFactor: features.poolingFactor, dimension: features.dimension,
                                              knnAccuracyOriginal: nil, maps: options.methods.map { EmbeddingMap(method: $0, skipped: note) }))
                continue
            }
            results.append(try embed(features, labels: labels, settings: settings, context: context))
        }
        return try output(context, results: results, indices: indices, labels: labels, settings: settings,
                          seconds: Date().timeIntervalSince(began))
    }

    /// Sample-size dependent settings shared by every layer.
    struct Settings {
        var points: Int
        var requestedPerplexity: Double
        var neighbours: Int
        var seed: UInt64

        /// The perplexity used: the requested one, lowered to (N − 1)/3 when the sample is too small (openTSNE's rule).
        var perplexity: Double { min(requestedPerplexity, Double(points - 1) / 3) }
        /// k of trustworthiness and k-NN: the requested one, lowered so that 2k < N; 0 when N < 3.
        var k: Int { min(neighbours, (points - 1) / 2) }
        /// t-SNE needs four points.
        var tsnePossible: Bool { points >= 4 }
    }

    /// PCA and t-SNE maps of one layer's features, with their quality numbers.
    func embed(_ features: EmbeddingFeatures, labels: [Int], settings: Settings, context: JobContext) throws -> LayerEmbedding {
        let points: EmbeddingPoints
        do {
            points = try EmbeddingPoints(count: labels.count, dimension: features.dimension, values: features.values)
        } catch let error as LoupeError {
            throw LoupeError(error.kind, file: context.job.modelPath, location: "value '\(features.layer.name)'", error.reason)
        }
        let k = settings.k
        var result = LayerEmbedding(layer: features.layer, poolingFactor: features.poolingFactor, dimension: features.dimension,
                                    knnAccuracyOriginal: nil, maps: [])
        if k >= 1 { result.knnAccuracyOriginal = try EmbeddingQuality.knnAccuracy(points, labels: labels, k: k) }
        for method in options.methods {
            var map = EmbeddingMap(method: method)
            let started = Date()
            if method == "pca" {
                let components = min(2, points.dimension, points.count)
                let pca = try PCA.fit(points, components: components, solver: .auto)
                var xy = [Float](repeating: 0, count: 2 * points.count)
                for i in 0..<points.count { for c in 0..<components { xy[2 * i + c] = pca.scores[i * components + c] } }
                map.xy = xy
                map.explainedVarianceRatio = Array(pca.explainedVarianceRatio.prefix(2))
            } else if settings.tsnePossible {
                var tsne = TSNE.Options()
                tsne.perplexity = settings.perplexity
                tsne.seed = settings.seed
                do {
                    let fit = try TSNE.embed(points, options: tsne)
                    map.xy = fit.embedding
                    map.klDivergence = fit.klDivergence
                    map.klIsExact = fit.klIsExact
                    switch fit.repulsion {
                    case .exact: map.klEstimate = "exact"
                    case .barnesHut: map.klEstimate = "barnes-hut"
                    case .fftInterpolation: map.klEstimate = "fft-interpolation"
                    }
                    map.klApproximate = fit.klApproximate
                    map.iterations = fit.iterations
                } catch let error as LoupeError where error.kind == .computation {
                    map.skipped = "t-SNE failed: \(error.reason)"
                }
            } else {
                map.skipped = "t-SNE needs at least 4 images, the sample has \(settings.points)"
            }
            map.seconds = Date().timeIntervalSince(started)
            context.log("embeddings: \(features.layer.name) \(method) in \(String(format: "%.1f", map.seconds)) s")
            result.maps.append(map)
        }
        // Quality of every drawn map; trustworthiness shares one pass over the layer's distances.
        let drawn = result.maps.indices.filter { !result.maps[$0].xy.isEmpty }
        guard k >= 1, !drawn.isEmpty else { return result }
        let planes = try drawn.map { try EmbeddingPoints(count: points.count, dimension: 2, values: result.maps[$0].xy) }
        let trust = try EmbeddingQuality.trustworthiness(input: points, embeddings: planes, k: k)
        for (position, index) in drawn.enumerated() {
            result.maps[index].trustworthiness = trust[position]
            result.maps[index].knnAccuracy2D = try EmbeddingQuality.knnAccuracy(planes[position], labels: labels, k: k)
        }
        return result
    }
}
