import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor

/// `loupe attribute`: one attribution method over an NPY batch, written as NPY.
public enum Attribution {
    /// Every method name the command accepts.
    public static let methodNames = ["saliency", "input-x-gradient", "smoothgrad", "smoothgrad-sq", "vargrad",
                                     "integrated-gradients", "guided-backprop", "deconvnet", "grad-cam", "guided-grad-cam",
                                     "grad-cam-plus-plus", "layer-cam", "score-cam", "eigen-cam", "occlusion"]

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
        guard methodNames.contains(method) else {
            throw LoupeError(.invalidConfig, location: "--method",
                             "unknown method '\(method)'; choose one of: " + methodNames.joined(separator: ", "))
        }
        let classifier = try Classifier(model: try Model(path: modelPath))
        let images = try NPY.read(path: inputPath).asFloat
        if let sample = classifier.model.sampleShape, Array(images.shape.dropFirst()) != sample || images.shape.first == 0 {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape",
                             "model input '\(classifier.inputName)' expects N x \(sample), got \(images.shape)")
        }
        if images.rank != 4 && method != "saliency" && method != "input-x-gradient" && method != "integrated-gradients"
            && !method.contains("grad") && method != "occlusion" {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape", "\(method) needs N x C x H x W images")
        }
        if let layer = options.layer {
            let plan = try classifier.model.plan(inputShapes: [classifier.inputName: images.shape])
            try classifier.model.validateValueNames([layer], plan: plan, role: "--layer")
        }
        let scores = try classifier.scores(images)
        let targets = try classifier.targets(try targetChoice(options, rows: images.shape[0]), scores: scores)
        var summary = Summary(outputShape: [], targets: targets, layer: nil, completenessError: nil)
        let result: Tensor
        switch method {
        case "saliency": result = try GradientAttribution.saliency(classifier, images: images, targets: targets)
        case "input-x-gradient": result = try GradientAttribution.inputTimesGradient(classifier, images: images, targets: targets)
        case "guided-backprop": result = try GradientAttribution.guidedBackprop(classifier, images: images, targets: targets)
        case "deconvnet": result = try GradientAttribution.deconvnet(classifier, images: images, targets: targets)
        case "smoothgrad", "smoothgrad-sq", "vargrad":
            let kind: NoiseTunnelKind = method == "smoothgrad" ? .smoothGrad : method == "vargrad" ? .varGrad : .smoothGradSquared
            result = try NoiseTunnel.attribute(classifier, images: images, targets: targets, kind: kind,
                                               samples: options.samples ?? 50, standardDeviation: options.noise, seed: options.seed)
        case "integrated-gradients":
            guard let rule = IntegrationRule(rawValue: options.rule ?? "gauss-legendre") else {
                throw LoupeError(.invalidConfig, location: "--rule", "unknown rule '\(options.rule ?? "")'; choose one of: "
                                 + IntegrationRule.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let ig = try IntegratedGradients.attribute(classifier, images: images, targets: targets, steps: options.steps ?? 50,
                                                       rule: rule, baseline: .constant(options.baseline))
            summary.completenessError = ig.relativeDelta
            result = ig.attributions
        case "occlusion":
            let sample = Array(images.shape.dropFirst())
            let window = options.window ?? defaultWindow(sample)
            result = try Occlusion.attribute(classifier, images: images, targets: targets, window: window,
                                             stride: options.stride ?? window.map { max(1, $0 / 2) }, baseline: options.baseline)
        case "guided-grad-cam":
            result = try ClassActivationMaps.guidedGradCAM(classifier, images: images, targets: targets, layer: options.layer)
        default:
            guard let cam = CAMMethod(rawValue: method) else {
                throw LoupeError(.invalidConfig, location: "--method", "unknown method '\(method)'")
            }
            let maps = try ClassActivationMaps.attribute(classifier, images: images, targets: targets, method: cam, layer: options.layer)
            summary.layer = maps.layer
            result = options.raw ? maps.raw : maps.map
        }
        try NPY.write(.float(result), to: outputPath)
        summary.outputShape = result.shape
        return summary
    }

    /// A window of about an eighth of each spatial side over all channels.
    static func defaultWindow(_ sample: [Int]) -> [Int] {
        sample.enumerated().map { axis, size in axis == 0 && sample.count == 3 ? size : max(1, size / 8) }
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
