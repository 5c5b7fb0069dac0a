import LoupeAnalysis

/// The keys the gradients and sanity sections share: which saliency methods run, on how many
/// samples, with which Integrated Gradients and SmoothGrad settings.
protocol AttributionSectionOptions: SectionOptions {
    static var availableMethods: [String] { get }
    static var defaultMethods: [String] { get }
    var sampleCount: Int { get set }
    var methods: [String] { get set }
    var integratedGradientsSteps: Int { get set }
    var smoothGradSamples: Int { get set }
    var smoothGradNoise: Double { get set }
}

extension GradientsOptions: AttributionSectionOptions {}
extension SanityOptions: AttributionSectionOptions {}

extension AttributionSectionOptions {
    /// `samples`, `methods`, `ig_steps`, `smoothgrad_samples` and `smoothgrad_noise`, with this section's defaults.
    static func attributionKeys(igSteps: Int, smoothGradSamples: Int) -> [OptionKey] { [
        OptionKey("samples", ["type": "integer", "minimum": 1, "maximum": 64, "default": 8]),
        OptionKey("methods", ["type": "array", "items": ["enum": .strings(availableMethods)],
                              "default": .strings(defaultMethods)]),
        OptionKey("ig_steps", ["type": "integer", "minimum": 1, "maximum": 1000, "default": .integer(igSteps)]),
        OptionKey("smoothgrad_samples", ["type": "integer", "minimum": 1, "maximum": 1000, "default": .integer(smoothGradSamples)]),
        OptionKey("smoothgrad_noise", ["type": "number", "default": 0.15],
                  "Fraction of each image's value range."),
    ] }

    /// Reads the shared keys that are present into these options.
    mutating func readAttributionKeys(_ object: [String: JSONValue], _ path: String, reader: ConfigReader) {
        if let v = reader.int(object, "samples", path, range: Self.keys.integerRange("samples")) { sampleCount = v }
        if let v = reader.names(object, "methods", path, known: Self.availableMethods) { methods = v }
        if let v = reader.int(object, "ig_steps", path, range: Self.keys.integerRange("ig_steps")) { integratedGradientsSteps = v }
        if let v = reader.int(object, "smoothgrad_samples", path, range: Self.keys.integerRange("smoothgrad_samples")) { smoothGradSamples = v }
        if let v = reader.double(object, "smoothgrad_noise", path) { smoothGradNoise = v }
    }
}
