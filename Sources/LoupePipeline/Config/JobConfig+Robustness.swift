import Foundation
import LoupeCorruptions

extension LoupeConfig {
    /// Keys of `jobs[i].sections.robustness`.
    public static let robustnessKeys = ["corruptions", "severities", "images_per_corruption", "profile", "baseline", "jpeg_q85"]

    /// Reads `jobs[i].sections.robustness`, recording every problem with its JSON path; relative paths resolve against `folder`.
    static func readRobustness(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> RobustnessOptions {
        var options = RobustnessOptions()
        guard let value, case .object = value, let object = reader.object(value, path, allowed: robustnessKeys) else { return options }
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
            let resolved = resolve(file, in: folder)
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
