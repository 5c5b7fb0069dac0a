import Foundation

extension WeightsOptions: SectionOptions {
    /// Keys of `jobs[i].sections.weights`.
    public static let keys: [OptionKey] = [
        OptionKey("shared_scale", ["type": "boolean", "default": true],
                  "Also draw the first-layer filters on one shared scale."),
        OptionKey("max_filters", ["type": "integer", "minimum": 1, "maximum": 1024, "default": 64]),
        OptionKey("deeper_layers", ["type": "integer", "minimum": 0, "maximum": 64, "default": 4]),
        OptionKey("deeper_outputs", ["type": "integer", "minimum": 1, "maximum": 256, "default": 16]),
        OptionKey("deeper_inputs", ["type": "integer", "minimum": 1, "maximum": 256, "default": 8]),
        OptionKey("max_templates", ["type": "integer", "minimum": 1, "maximum": 1024, "default": 32]),
        OptionKey("log_histograms", ["type": "boolean", "default": false],
                  "Draw the weight histograms with a logarithmic count axis."),
        OptionKey("sparse_share", ["type": "number", "minimum": 0, "maximum": 1, "default": 0.5],
                  "Flag a layer when more than this share of its weights is near zero (|w| < 1e-3 · max|w|)."),
    ]

    /// Reads the weights section's options (problems go to `reader` with their JSON path).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = WeightsOptions()
        if let v = reader.bool(object, "shared_scale", path) { options.sharedScale = v }
        if let v = reader.int(object, "max_filters", path, range: keys.integerRange("max_filters")) { options.maxFirstLayerFilters = v }
        if let v = reader.int(object, "deeper_layers", path, range: keys.integerRange("deeper_layers")) { options.maxDeeperLayers = v }
        if let v = reader.int(object, "deeper_outputs", path, range: keys.integerRange("deeper_outputs")) { options.deeperOutputs = v }
        if let v = reader.int(object, "deeper_inputs", path, range: keys.integerRange("deeper_inputs")) { options.deeperInputs = v }
        if let v = reader.int(object, "max_templates", path, range: keys.integerRange("max_templates")) { options.maxTemplates = v }
        if let v = reader.bool(object, "log_histograms", path) { options.logHistograms = v }
        if let v = reader.double(object, "sparse_share", path) {
            if v >= 0 && v <= 1 { options.sparseShare = v } else { reader.problem("\(path).sparse_share", "must be between 0 and 1") }
        }
        return options
    }
}
