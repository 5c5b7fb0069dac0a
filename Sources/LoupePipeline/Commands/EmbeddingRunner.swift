import Foundation
import LoupeAnalysis
import LoupeTensor

/// `loupe embed`: a 2-D map (PCA or t-SNE) of the rows of an NPY array, with quality numbers.
public enum EmbeddingRunner {
    /// The embedding methods `loupe embed` offers.
    public static let methodNames = ["pca", "tsne"]

    /// Settings of one run.
    public struct Options: Sendable {
        public var method = "tsne"
        public var labelsPath: String?
        public var perplexity = 30.0
        public var seed: UInt64 = 0
        /// t-SNE repulsion method, a `TSNE.GradientMethod` raw value.
        public var gradient = "auto"
        public var jsonPath: String?
        /// Neighbourhood size of trustworthiness and the k-NN accuracies.
        public var neighbours = 10
        public init() {}
    }

    /// What a run measured (also written as JSON with `--json`).
    public struct Summary: Sendable, Codable {
        public var method: String
        public var points: Int
        public var features: Int
        public var seconds: Double
        public var trustworthiness: Double?
        public var knnAccuracy2D: Double?
        public var knnAccuracyOriginal: Double?
        public var klDivergence: Double?
        public var klDivergenceKind: String?
        public var klDivergenceApproximate: Double?
        public var explainedVarianceRatio: [Double]?
        public var perplexity: Double?
        public var seed: UInt64?
        public var iterations: Int?
        /// t-SNE repulsion used: exact, barnes-hut or fft-interpolation.
        public var gradientMethod: String?
        /// t-SNE wall-time split: neighbours + affinities, PCA initialisation, optimisation.
        public var secondsAffinities: Double?
        public var secondsInitialisation: Double?
        public var secondsOptimisation: Double?

        enum CodingKeys: String, CodingKey {
            case method, points, features, seconds, trustworthiness, perplexity, seed, iterations
            case gradientMethod = "gradient_method"
            case knnAccuracy2D = "knn_accuracy_2d", knnAccuracyOriginal = "knn_accuracy_original"
            case klDivergence = "kl_divergence", klDivergenceKind = "kl_divergence_kind"
            case klDivergenceApproximate = "kl_divergence_approximate"
            case explainedVarianceRatio = "explained_variance_ratio"
            case secondsAffinities = "seconds_affinities", secondsInitialisation = "seconds_initialisation"
            case secondsOptimisation = "seconds_optimisation"
        }
    }

    /// Reads `inputPath` (rows = points, trailing dims flattened), embeds, writes N x 2 to `outputPath`.
    public static func run(inputPath: String, outputPath: String, options: Options) throws -> Summary {
        guard methodNames.contains(options.method) else {
            throw LoupeError(.invalidConfig, location: "--method", "unknown method '\(options.method)'; use one of \(methodNames.joined(separator: ", "))")
        }
        let points: EmbeddingPoints
        do {
            points = try EmbeddingPoints(tensor: try NPY.read(path: inputPath).asFloat)
        } catch let error as LoupeError {
            throw error.inFile(inputPath)
        }
        guard points.count >= 4 else {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape", "need at least 4 points, got \(points.count)")
        }
        var labels: [Int]?
        if let path = options.labelsPath {
            let values = try NPY.read(path: path).asInt
            guard values.values.count == points.count else {
                throw LoupeError(.invalidInput, file: path, location: "shape", "expected \(points.count) labels (one per input row), got \(values.values.count)")
            }
            guard values.values.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }) else {
                throw LoupeError(.invalidInput, file: path, location: "values", "labels must be class indices >= 0")
            }
            labels = values.values
        }
        let gradient = TSNE.GradientMethod(rawValue: options.gradient)
        if options.method == "tsne" {
            guard gradient != nil else {
                throw LoupeError(.invalidConfig, location: "--gradient",
                                 "unknown method '\(options.gradient)'; use one of \(TSNE.GradientMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard options.perplexity > 0, 3 * options.perplexity < Double(points.count) else {
                throw LoupeError(.invalidConfig, location: "--perplexity",
                                 "must be positive and below N/3 = \(String(format: "%.4g", Double(points.count) / 3)) for \(points.count) points, got \(options.perplexity)")
            }
        }
        let started = Date()
        var summary = Summary(method: options.method, points: points.count, features: points.dimension, seconds: 0)
        let map: EmbeddingPoints
        if options.method == "pca" {
            let pca = try PCA.fit(points, components: min(2, points.dimension), solver: .auto)
            var xy = [Float](repeating: 0, count: 2 * points.count)
            for i in 0..<points.count { for c in 0..<pca.componentCount { xy[2 * i + c] = pca.scores[i * pca.componentCount + c] } }
            map = try EmbeddingPoints(count: points.count, dimension: 2, values: xy)
            summary.explainedVarianceRatio = pca.explainedVarianceRatio
        } else {
            var settings = TSNE.Options()
            settings.perplexity = options.perplexity
            settings.seed = options.seed
            settings.gradient = gradient ?? .auto
            let result = try TSNE.embed(points, options: settings)
            map = try EmbeddingPoints(count: points.count, dimension: 2, values: result.embedding)
            summary.klDivergence = result.klDivergence
            let used: String
            switch result.repulsion {
            case .exact: used = "exact"
            case .barnesHut: used = "barnes-hut"
            case .fftInterpolation: used = "fft-interpolation"
            }
            summary.gradientMethod = used
            summary.klDivergenceKind = result.klIsExact ? "exact" : used
            summary.klDivergenceApproximate = result.klApproximate
            summary.perplexity = options.perplexity
            summary.seed = options.seed
            summary.iterations = result.iterations
            summary.secondsAffinities = result.secondsAffinities
            summary.secondsInitialisation = result.secondsInitialisation
            summary.secondsOptimisation = result.secondsOptimisation
        }
        summary.seconds = Date().timeIntervalSince(started)
        try NPY.write(.float(Tensor(shape: [points.count, 2], scalars: map.values)), to: outputPath)
        let k = options.neighbours
        if 2 * k < points.count {
            summary.trustworthiness = try EmbeddingQuality.trustworthiness(input: points, embedding: map, k: k)
            if let labels {
                summary.knnAccuracy2D = try EmbeddingQuality.knnAccuracy(map, labels: labels, k: k)
                summary.knnAccuracyOriginal = try EmbeddingQuality.knnAccuracy(points, labels: labels, k: k)
            }
        }
        if let path = options.jsonPath {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(summary).write(to: URL(fileURLWithPath: path))
            } catch {
                throw LoupeError(.io, file: path, "could not write the JSON summary: \(error.localizedDescription)")
            }
        }
        return summary
    }
}
