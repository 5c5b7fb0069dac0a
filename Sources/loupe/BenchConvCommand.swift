import ArgumentParser
import LoupePipeline

/// `loupe bench-conv MODEL --batch N` (hidden): every candidate kernel on every distinct Conv layer, as a Markdown table.
struct BenchConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-conv", abstract: "Time Loupe's and oneDNN's convolution kernels on each Conv layer of a model.",
        shouldDisplay: false)

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .long, help: "Rows per batch.") var batch: Int = 8
    @Option(name: .long, help: "Timed runs per candidate (the fastest counts).") var repeats: Int = 3

    func validate() throws {
        guard batch > 0, repeats > 0 else { throw ValidationError("--batch and --repeats must be positive") }
    }

    func run() throws {
        try runReportingErrors {
            try ConvolutionBenchmarkTable.print(modelPath: model, batch: batch, repeats: repeats)
        }
    }
}
