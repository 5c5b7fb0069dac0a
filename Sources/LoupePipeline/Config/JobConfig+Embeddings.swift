import Foundation

extension EmbeddingsOptions: SectionOptions {
    /// Keys of `jobs[i].sections.embeddings`.
    public static let keys: [OptionKey] = [
        OptionKey("layers", ["type": "array", "items": ["type": "string"], "minItems": 1],
                  "ONNX value names (as `loupe inspect` lists them) to map; default: the input pixels, a middle layer and the penultimate layer (the data input of the last layer with weights)."),
        OptionKey("points", ["type": "integer", "minimum": 2, "maximum": 1000000, "default": 2000],
                  "Images mapped: a stratified seeded sample (the whole dataset when smaller)."),
        OptionKey("methods", ["type": "array", "items": ["enum": .strings(EmbeddingsOptions.availableMethods)], "minItems": 1,
                              "default": .strings(EmbeddingsOptions.availableMethods)]),
        OptionKey("perplexity", ["type": "number", "exclusiveMinimum": 0, "maximum": 1000, "default": 30],
                  "t-SNE perplexity; lowered to (N - 1)/3 for small samples."),
    ]

    /// Reads the embeddings section's options; problems are recorded with their JSON paths.
    ///
    /// Layer names are checked against the model when the section runs (the config reader does not load models).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = EmbeddingsOptions()
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
