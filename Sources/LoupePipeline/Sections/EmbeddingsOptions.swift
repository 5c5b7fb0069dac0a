import LoupeTensor

/// Options of the embeddings section (`jobs[i].sections.embeddings` in the config).
public struct EmbeddingsOptions: Sendable, Equatable {
    /// ONNX value names to map, in depth order (nil: the input pixels, a middle layer and the
    /// penultimate layer, chosen by `EmbeddingLayerChoice.defaults`).
    public var layers: [String]?
    /// Images mapped: a stratified, seeded sample of this many (the whole dataset when it is smaller).
    public var points = 2000
    /// Maps drawn per layer, in order (see `EmbeddingsOptions.availableMethods`).
    public var methods = EmbeddingsOptions.availableMethods
    /// t-SNE perplexity; lowered to (N − 1)/3 when the sample is too small for it (as openTSNE does).
    public var perplexity = 30.0
    /// Neighbourhood size of trustworthiness and the k-NN accuracies.
    public var neighbours = 10
    /// Largest number of features kept per image: larger feature maps are average-pooled over space
    /// (see `EmbeddingFeatures.poolingFactor`), so memory stays at `points × maxFeatures` floats per layer.
    public var maxFeatures = 4096

    /// Every map the section draws.
    public static let availableMethods = ["pca", "tsne"]

    public init() {}

    /// Checks names and ranges, throwing an `invalidConfig` error naming the first bad option.
    public func validate() throws {
        for method in methods where !EmbeddingsOptions.availableMethods.contains(method) {
            throw LoupeError(.invalidConfig, location: "sections.embeddings.methods",
                             "unknown method '\(method)' (known: \(EmbeddingsOptions.availableMethods.joined(separator: ", ")))")
        }
        if methods.isEmpty {
            throw LoupeError(.invalidConfig, location: "sections.embeddings.methods", "needs at least one method")
        }
        if let layers, layers.isEmpty {
            throw LoupeError(.invalidConfig, location: "sections.embeddings.layers", "needs at least one layer (or leave it out for the defaults)")
        }
        guard points >= 2 else {
            throw LoupeError(.invalidConfig, location: "sections.embeddings.points", "needs at least 2 points, got \(points)")
        }
        guard perplexity > 0, perplexity.isFinite else {
            throw LoupeError(.invalidConfig, location: "sections.embeddings.perplexity", "must be a positive number, got \(perplexity)")
        }
        guard neighbours >= 1, maxFeatures >= 1 else {
            throw LoupeError(.invalidConfig, location: "sections.embeddings", "neighbours and maxFeatures must be positive")
        }
    }

    /// The display title of a method.
    public static func title(_ method: String) -> String { method == "tsne" ? "t-SNE" : method.uppercased() }
}
