import ArgumentParser
import LoupePipeline

/// `loupe bench MODEL --batch N`: engine throughput, printed as one JSON line.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure inference images/s and peak memory on one model (see Benchmarks/run.sh).")

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .long, help: "Rows per batch.") var batch: Int = 1
    @Option(name: .long, help: "Seconds to measure after warm-up.") var seconds: Double = 5
    @Option(name: .long, help: "Untimed warm-up runs.") var warmup: Int = 3
    @Option(name: .long, help: "Benchmark an attribution method (any `loupe attribute` method) instead of inference.")
    var method: String?
    @Option(name: .long, help: "Integrated Gradients steps.") var steps: Int = 50
    @Option(name: .long, help: "Path points (or noisy samples) per pass of a many-pass method.") var internalBatch: Int = 50

    func validate() throws {
        guard batch > 0, seconds > 0 else { throw ValidationError("--batch and --seconds must be positive") }
    }

    func run() throws {
        try runReportingErrors {
            if let method {
                print(try EngineBenchmark.jsonLine(try EngineBenchmark.measureAttribution(
                    modelPath: model, method: method, batch: batch, steps: steps, seconds: seconds, internalBatch: internalBatch)))
            } else {
                print(try EngineBenchmark.jsonLine(try EngineBenchmark.measure(modelPath: model, batch: batch, seconds: seconds,
                                                                                warmup: warmup)))
            }
        }
    }
}
