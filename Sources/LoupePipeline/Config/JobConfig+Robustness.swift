import Foundation
import LoupeCorruptions

extension RobustnessOptions: SectionOptions {
    /// Keys of `jobs[i].sections.robustness`.
    public static let keys: [OptionKey] = [
        OptionKey("corruptions", ["type": "array", "minItems": 1, "items": ["enum": ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise", "gaussian_blur", "spatter", "saturate"]]],
                  "Corruptions in report order (default: the 15 benchmark ones; the 4 extras are allowed by name)."),
        OptionKey("severities", ["type": "array", "minItems": 1, "items": ["type": "integer", "minimum": 1, "maximum": 5], "default": [1, 2, 3, 4, 5]]),
        OptionKey("images_per_corruption", ["oneOf": [["type": "integer", "minimum": 0], ["const": "all"]], "default": 300],
                  "Stratified seeded sample of the dataset used for every corruption and severity; 0 or \"all\" = every image."),
        OptionKey("profile", ["enum": ["auto", "cifar", "imagenet"], "default": "auto"],
                  "auto: CIFAR-10-C constants up to 32x32, ImageNet-C above (size-generalised away from 224x224)."),
        OptionKey("baseline", ["type": "string"],
                  "Another run's summary.json; its robustness cells normalise CE and relative CE (relative to the config's folder)."),
        OptionKey("jpeg_q85", ["type": "boolean", "default": false],
                  "Re-encode every corrupted image as JPEG quality 85, as the published ImageNet-C files were."),
    ].sized(ComputeBudget.robustnessKnobs.map(\.key))

    /// Reads `jobs[i].sections.robustness`, recording every problem with its JSON path; relative paths resolve against `folder`.
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = RobustnessOptions()
        if let names = reader.strings(object, "corruptions", path) {
            if names.isEmpty && object["corruptions"] != nil { reader.problem("\(path).corruptions", "expected at least one corruption") }
            for (index, name) in names.enumerated() where Corruptions.all[name] == nil {
                reader.problem("\(path).corruptions[\(index)]", RobustnessOptions.unknownCorruption(name))
            }
            if !names.isEmpty { options.corruptions = names }
        }
        if let severities = reader.ints(object, "severities", path, range: 1...5) {
            if severities.isEmpty, case .array(let raw)? = object["severities"], raw.isEmpty {
                reader.problem("\(path).severities", "expected at least one severity")
            }
            if !severities.isEmpty { options.severities = severities }
        }
        switch object["images_per_corruption"] {
        case .string(let text)?:
            if text == "all" { options.imagesPerCorruption = 0 } else {
                reader.problem("\(path).images_per_corruption", "expected a count or \"all\", got \"\(text)\"")
            }
        case .some:
            if let count = reader.int(object, "images_per_corruption", path, range: 0...100_000_000) { options.imagesPerCorruption = count }
        case nil: break
        }
        if let choice = reader.choice(object, "profile", path, among: RobustnessOptions.ProfileChoice.allCases.map(\.rawValue)),
           let profile = RobustnessOptions.ProfileChoice(rawValue: choice) {
            options.profile = profile
        }
        if let file = reader.string(object, "baseline", path) {
            let resolved = LoupeConfig.resolve(file, in: folder)
            if !FileManager.default.fileExists(atPath: resolved) {
                reader.problem("\(path).baseline", "file not found: \(resolved)")
            } else {
                options.baselinePath = resolved
            }
        }
        if let flag = reader.bool(object, "jpeg_q85", path) { options.jpegQ85 = flag }
        return options
    }
}
