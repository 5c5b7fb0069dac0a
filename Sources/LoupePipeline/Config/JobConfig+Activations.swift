import Foundation

extension ActivationsOptions: SectionOptions {
    /// Keys of `jobs[i].sections.activations`.
    public static let keys: [OptionKey] = [
        OptionKey("samples", ["type": "integer", "minimum": 1, "maximum": 64, "default": 4],
                  "Sample images, stratified by class."),
        OptionKey("layers", ["type": "integer", "minimum": 1, "maximum": 64, "default": 6],
                  "Feature-map layers shown."),
        OptionKey("channels", ["type": "integer", "minimum": 1, "maximum": 512, "default": 16]),
        OptionKey("top_k", ["type": "integer", "minimum": 1, "maximum": 64, "default": 9]),
        OptionKey("top_channels", ["type": "integer", "minimum": 1, "maximum": 512, "default": 8]),
        OptionKey("top_layers", ["type": "integer", "minimum": 1, "maximum": 64, "default": 2]),
    ]

    /// Reads the activations section's options (problems go to `reader` with their JSON path).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = ActivationsOptions()
        if let v = reader.int(object, "samples", path, range: keys.integerRange("samples")) { options.sampleCount = v }
        if let v = reader.int(object, "layers", path, range: keys.integerRange("layers")) { options.maxLayers = v }
        if let v = reader.int(object, "channels", path, range: keys.integerRange("channels")) { options.channelsShown = v }
        if let v = reader.int(object, "top_k", path, range: keys.integerRange("top_k")) { options.topK = v }
        if let v = reader.int(object, "top_channels", path, range: keys.integerRange("top_channels")) { options.topChannels = v }
        if let v = reader.int(object, "top_layers", path, range: keys.integerRange("top_layers")) { options.topLayers = v }
        return options
    }
}
