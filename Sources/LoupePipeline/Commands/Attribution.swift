import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor

/// `loupe attribute`: one attribution method over an NPY batch, written as NPY.
public enum Attribution {
    /// Every method name the command accepts (the attribution registry's).
    public static var methodNames: [String] { AttributionMethods.names }

    /// Options of the methods (nil means the method's reference default).
    public struct Options: Sendable {
        public var target: String = "pred"
        public var labelsPath: String?
        public var layer: String?
        public var raw = false
        public var steps: Int?
        public var rule: String?
        public var samples: Int?
        public var noise: Float?
        public var window: [Int]?
        public var stride: [Int]?
        public var baseline: Float = 0
        public var seed: UInt64 = 0
        public init() {}
    }

    /// What the command computed, for its closing message.
    public struct Summary: Sendable {
        public var outputShape: [Int]
        public var targets: [Int]
        public var layer: String?
        public var completenessError: [Float]?
    }

    /// Runs `method` on every row of `inputPath` and writes the attribution to `outputPath`.
    public static func run(modelPath: String, inputPath: String, method: String, options: Options,
                           outputPath: String) throws -> Summary {
        guard let entry = AttributionMethods.named(method) else {
            throw LoupeError(.invalidConfig, location: "--method",
                             "unknown method '\(method)'; choose one of: " + methodNames.joined(separator: ", "))
        }
        let classifier = try Classifier(model: try Model(path: modelPath))
        let images = try NPY.read(path: inputPath).asFloat
        if let sample = classifier.model.sampleShape, Array(images.shape.dropFirst()) != sample || images.shape.first == 0 {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape",
                             "model input '\(classifier.inputName)' expects N x \(sample), got \(images.shape)")
        }
        if let rank = entry.inputRank, images.rank != rank {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape", "\(method) needs N x C x H x W images")
        }
        if let layer = options.layer {
            let plan = try classifier.model.plan(inputShapes: [classifier.inputName: images.shape])
            try classifier.model.validateValueNames([layer], plan: plan, role: "--layer")
        }
        let scores = try classifier.scores(images)
        let targets = try classifier.targets(try targetChoice(options, rows: images.shape[0]), scores: scores)
        let result = try entry.attribute(classifier, images: images, targets: targets, settings: try settings(entry, options))
        let output = options.raw ? result.cam?.raw ?? result.attributions : result.attributions
        try NPY.write(.float(output), to: outputPath)
        return Summary(outputShape: output.shape, targets: targets, layer: result.cam?.layer,
                       completenessError: result.completeness?.relative)
    }

    /// The method's default settings with the command's options laid over them.
    static func settings(_ entry: AttributionMethod, _ options: Options) throws -> AttributionSettings {
        var settings = entry.defaults
        if let steps = options.steps { settings.steps = steps }
        if let name = options.rule {
            guard let rule = IntegrationRule(rawValue: name) else {
                throw LoupeError(.invalidConfig, location: "--rule", "unknown rule '\(name)'; choose one of: "
                                 + IntegrationRule.allCases.map(\.rawValue).joined(separator: ", "))
            }
            settings.rule = rule
        }
        if let samples = options.samples { settings.samples = samples }
        if let noise = options.noise { settings.noise = .absolute(noise) }
        settings.window = options.window ?? settings.window
        settings.stride = options.stride ?? settings.stride
        settings.baseline = options.baseline
        settings.seed = options.seed
        settings.layer = options.layer ?? settings.layer
        return settings
    }

    static func targetChoice(_ options: Options, rows: Int) throws -> TargetChoice {
        switch options.target {
        case "pred": return .predicted
        case "label":
            guard let path = options.labelsPath else {
                throw LoupeError(.invalidConfig, location: "--target", "'label' needs --labels y.npy")
            }
            let labels = try NPY.read(path: path).asInt
            guard labels.count == rows else {
                throw LoupeError(.invalidInput, file: path, location: "shape", "expected \(rows) labels, got \(labels.count)")
            }
            return .labels(labels.values)
        default:
            guard let index = Int(options.target) else {
                throw LoupeError(.invalidConfig, location: "--target", "expected label, pred or a class index, got '\(options.target)'")
            }
            return .fixed(index)
        }
    }
}
