import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe attribute MODEL --input x.npy --method NAME --output a.npy`.
struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Compute an attribution map (saliency, Integrated Gradients, Grad-CAM, ...) for every image of an NPY batch.",
        discussion: "Methods: " + Attribution.methodNames.joined(separator: ", "))

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .long, help: "Images (.npy), N x the model's sample shape.") var input: String
    @Option(name: .long, help: "Attribution method.") var method: String
    @Option(name: .long, help: "Output array (.npy).") var output: String
    @Option(name: .long, help: "Class to explain: label, pred or a class index.") var target = "pred"
    @Option(name: .long, help: "Labels (.npy) for --target label.") var labels: String?
    @Option(name: .long, help: "CAM layer: an ONNX value name as 'loupe inspect' lists it.") var layer: String?
    @Flag(name: .long, help: "CAMs: write the unnormalised map at the layer's resolution.") var raw = false
    @Option(name: .long, help: "Integrated Gradients: number of steps (default 50).") var steps: Int?
    @Option(name: .long, help: "Integrated Gradients rule: gauss-legendre, riemann-trapezoid, riemann-right, ...") var rule: String?
    @Option(name: .long, help: "Noise methods: number of samples (default 50).") var samples: Int?
    @Option(name: .long, help: "Noise methods: standard deviation in input units (default 0.15 x image range).") var noise: Float?
    @Option(name: .long, help: "Occlusion window C,H,W.") var window: String?
    @Option(name: .long, help: "Occlusion stride C,H,W.") var stride: String?
    @Option(name: .long, help: "Occlusion and Integrated Gradients baseline value.") var baseline: Float = 0
    @Option(name: .long, help: "Seed for random methods.") var seed: UInt64 = 0

    func triple(_ text: String?, _ flag: String) throws -> [Int]? {
        guard let text else { return nil }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(flag) expects positive integers separated by commas, e.g. 3,8,8")
        }
        return parts.compactMap { $0 }
    }

    func run() throws {
        try runReportingErrors {
            var options = Attribution.Options()
            options.target = target
            options.labelsPath = labels
            options.layer = layer
            options.raw = raw
            options.steps = steps
            options.rule = rule
            options.samples = samples
            options.noise = noise
            options.window = try triple(window, "--window")
            options.stride = try triple(stride, "--stride")
            options.baseline = baseline
            options.seed = seed
            let summary = try Attribution.run(modelPath: model, inputPath: input, method: method, options: options, outputPath: output)
            var line = "wrote \(output) \(summary.outputShape)"
            if let layer = summary.layer { line += " layer \(layer)" }
            if let errors = summary.completenessError {
                line += String(format: " completeness error max %.4f", errors.max() ?? 0)
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
