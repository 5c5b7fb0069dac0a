import Foundation

extension ActivationsOptions: SectionOptions {
    /// Keys of `jobs[i].sections.activations`.
    public static let keys: [OptionKey] = [
        OptionKey("samples", ["type": "integer", "minimum": 1, "default": 4],
                  "Sample images, stratified by class."),
        OptionKey("layers", ["type": "integer", "minimum": 1, "default": 6],
                  "Feature-map layers shown."),
        OptionKey("channels", ["type": "integer", "minimum": 1, "default": 16]),
        OptionKey("top_k", ["type": "integer", "minimum": 1, "default": 9]),
        OptionKey("top_channels", ["type": "integer", "minimum": 1, "default": 8]),
        OptionKey("top_layers", ["type": "integer", "minimum": 1, "default": 2]),
    ]

    /// Reads the activations section's options (problems go to `reader` with their JSON path).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = ActivationsOptions()
        if let v = reader.int(object, "samples", path, range: 1...64) { options.sampleCount = v }
        if let v = reader.int(object, "layers", path, range: 1...64) { options.maxLayers = v }
        if let v = reader.int(object, "channels", path, range: 1...512) { options.channelsShown = v }
        if let v = reader.int(object, "top_k", path, range: 1...64) { options.topK = v }
        if let v = reader.int(object, "top_channels", path, range: 1...512) { options.topChannels = v }
        if let v = reader.int(object, "top_layers", path, range: 1...64) { options.topLayers = v }
        return options
    }
}
