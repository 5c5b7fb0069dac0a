import LoupeAnalysis

extension LoupeConfig {
    /// Keys of `jobs[i].sections.sanity`.
    public static let sanityKeys = ["samples", "methods", "ig_steps", "smoothgrad_samples", "smoothgrad_noise", "layer", "max_steps",
                                    "independent", "faithfulness_steps", "random_logit", "ssim_threshold", "spearman_threshold",
                                    "random_logit_threshold"]

    /// Reads the sanity section's options (problems go to `reader` with their JSON path).
    static func readSanity(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> SanityOptions {
        var options = SanityOptions()
        guard let value, case .object = value, let object = reader.object(value, path, allowed: sanityKeys) else { return options }
        if let v = reader.int(object, "samples", path, range: 1...64) { options.sampleCount = v }
        if let v = reader.names(object, "methods", path, known: SanityOptions.availableMethods) {
            options.methods = v
        }
        if let v = reader.int(object, "ig_steps", path, range: 1...1000) { options.integratedGradientsSteps = v }
        if let v = reader.int(object, "smoothgrad_samples", path, range: 1...1000) { options.smoothGradSamples = v }
        if let v = reader.double(object, "smoothgrad_noise", path) { options.smoothGradNoise = v }
        options.camLayer = reader.string(object, "layer", path)
        if let v = reader.int(object, "max_steps", path, range: 1...200) { options.maxSteps = v }
        if let v = reader.bool(object, "independent", path) { options.independent = v }
        if let v = reader.int(object, "faithfulness_steps", path, range: 0...1000) { options.faithfulnessSteps = v }
        if let v = reader.bool(object, "random_logit", path) { options.randomLogit = v }
        if let v = reader.double(object, "ssim_threshold", path) { options.thresholds.ssim = v }
        if let v = reader.double(object, "spearman_threshold", path) { options.thresholds.spearman = v }
        if let v = reader.double(object, "random_logit_threshold", path) { options.thresholds.randomLogit = v }
        return options
    }
}
