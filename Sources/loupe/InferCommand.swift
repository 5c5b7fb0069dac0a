import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe infer MODEL --input x.npy --output y.npy`: run a model over an array.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Run every row of an NPY array through a model and write the outputs (and taps) as NPY.")

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .long, help: "Input array (.npy), N x the model's sample shape.") var input: String
    @Option(name: .long, help: "Output array (.npy) for the first graph output.") var output: String
    @Option(name: .long, help: "Rows per batch.") var batchSize: Int = 32
    @Option(name: .long, help: "Capture an intermediate value by name (repeatable); written as NAME.npy beside the output.")
    var tap: [String] = []
    @OptionGroup var memoryLimit: MemoryLimitOption

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        try memoryLimit.run {
            let report = try Inference.run(modelPath: model, inputPath: input, outputPath: output, batchSize: batchSize, taps: tap)
            let rate = Double(report.rows) / max(report.seconds, 1e-9)
            FileHandle.standardError.write(Data("wrote \(report.outputPath) (\(report.rows) rows, \(String(format: "%.1f", rate)) rows/s)\n".utf8))
            for (name, path) in report.tapPaths.sorted(by: { $0.key < $1.key }) {
                FileHandle.standardError.write(Data("tap \(name) -> \(path)\n".utf8))
            }
        }
    }
}
