import LoupeAnalysis

extension SanityOptions: SectionOptions {
    /// Keys of `jobs[i].sections.sanity`.
    public static var keys: [OptionKey] { (attributionKeys(igSteps: 20, smoothGradSamples: 10) + [
        OptionKey("layer", ["type": "string"],
                  "Grad-CAM layer (ONNX value name); default: the gradients section's layer, else the last value with spatial extent."),
        OptionKey("max_steps", ["type": "integer", "minimum": 1, "maximum": 200, "default": 10],
                  "Most cascade steps; more layers are randomised in consecutive groups."),
        OptionKey("independent", ["type": "boolean", "default": true],
                  "Also randomise one layer group at a time."),
        OptionKey("faithfulness_steps", ["type": "integer", "minimum": 0, "maximum": 1000, "default": 20],
                  "Deletion/insertion steps; 0 turns the curves off."),
        OptionKey("random_logit", ["type": "boolean", "default": true]),
        OptionKey("ssim_threshold", ["type": "number", "default": 0.5],
                  "Randomisation passes when the final mean SSIM is below this (and the Spearman one below its threshold)."),
        OptionKey("spearman_threshold", ["type": "number", "default": 0.5]),
        OptionKey("random_logit_threshold", ["type": "number", "default": 0.5]),
    ]).sized(ComputeBudget.sanityKnobs.map(\.key)) }

    /// Reads the sanity section's options (problems go to `reader` with their JSON path).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = SanityOptions()
        options.readAttributionKeys(object, path, reader: reader)
        options.camLayer = reader.string(object, "layer", path)
        if let v = reader.int(object, "max_steps", path, range: keys.integerRange("max_steps")) { options.maxSteps = v }
        if let v = reader.bool(object, "independent", path) { options.independent = v }
        if let v = reader.int(object, "faithfulness_steps", path, range: keys.integerRange("faithfulness_steps")) { options.faithfulnessSteps = v }
        if let v = reader.bool(object, "random_logit", path) { options.randomLogit = v }
        if let v = reader.double(object, "ssim_threshold", path) { options.thresholds.ssim = v }
        if let v = reader.double(object, "spearman_threshold", path) { options.thresholds.spearman = v }
        if let v = reader.double(object, "random_logit_threshold", path) { options.thresholds.randomLogit = v }
        return options
    }
}
