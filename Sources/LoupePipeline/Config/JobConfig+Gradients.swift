import Foundation
import LoupeAnalysis

extension GradientsOptions: SectionOptions {
    /// Keys of `jobs[i].sections.gradients`.
    public static var keys: [OptionKey] { (attributionKeys(igSteps: 50, smoothGradSamples: 25) + [
        OptionKey("occlusion_window", ["type": "integer", "minimum": 1, "maximum": 4096]),
        OptionKey("occlusion_stride", ["type": "integer", "minimum": 1, "maximum": 4096]),
        OptionKey("layer", ["type": "string"],
                  "Grad-CAM layer (ONNX value name); default: the last value with spatial extent."),
        OptionKey("statistics_images", ["type": "integer", "minimum": 1, "maximum": 1000000, "default": 512]),
        OptionKey("confused_pairs", ["type": "integer", "minimum": 0, "maximum": 20, "default": 3]),
        OptionKey("confident_mistakes", ["type": "integer", "minimum": 0, "maximum": 32, "default": 6],
                  "Misclassified images shown with their maps, most confident first (0: none)."),
    ]).sized(ComputeBudget.gradientsKnobs(GradientsOptions(), imageSide: (224, 224)).map(\.key)) }

    /// Reads the gradients section's options (problems go to `reader` with their JSON path).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = GradientsOptions()
        options.readAttributionKeys(object, path, reader: reader)
        options.occlusionWindow = reader.int(object, "occlusion_window", path, range: keys.integerRange("occlusion_window"))
        options.occlusionStride = reader.int(object, "occlusion_stride", path, range: keys.integerRange("occlusion_stride"))
        options.camLayer = reader.string(object, "layer", path)
        if let v = reader.int(object, "statistics_images", path, range: keys.integerRange("statistics_images")) { options.statisticsImages = v }
        if let v = reader.int(object, "confused_pairs", path, range: keys.integerRange("confused_pairs")) { options.confusedPairs = v }
        if let v = reader.int(object, "confident_mistakes", path, range: keys.integerRange("confident_mistakes")) { options.confidentMistakes = v }
        return options
    }
}
