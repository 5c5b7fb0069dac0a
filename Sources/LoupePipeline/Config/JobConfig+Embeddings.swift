import Foundation

extension LoupeConfig {
    /// Keys of `jobs[i].sections.embeddings`.
    public static let embeddingsKeys = ["layers", "points", "methods", "perplexity"]

    /// Reads the embeddings section's options; problems are recorded with their JSON paths.
    ///
    /// Layer names are checked against the model when the section runs (the config reader does not load models).
    static func readEmbeddings(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> EmbeddingsOptions {
        var options = EmbeddingsOptions()
        guard let value, case .object = value, let object = reader.object(value, path, allowed: embeddingsKeys) else { return options }
        if let layers = reader.strings(object, "layers", path) {
            if layers.isEmpty { reader.problem("\(path).layers", "expected at least one layer name (leave the key out for the defaults)") }
            options.layers = layers
        }
        if let points = reader.int(object, "points", path) {
            if points < 2 || points > 1_000_000 {
                reader.problem("\(path).points", "expected 2...1000000 images, got \(points)")
            } else {
                options.points = points
            }
        }
        if let methods = reader.names(object, "methods", path, known: EmbeddingsOptions.availableMethods) {
            if methods.isEmpty { reader.problem("\(path).methods", "expected at least one of \(EmbeddingsOptions.availableMethods.joined(separator: ", "))") }
            options.methods = methods
        }
        if let perplexity = reader.double(object, "perplexity", path) {
            if perplexity > 0 && perplexity <= 1000 {
                options.perplexity = perplexity
            } else {
                reader.problem("\(path).perplexity", "expected a number in (0, 1000], got \(perplexity)")
            }
        }
        return options
    }
}
