import ArgumentParser
import LoupePipeline

/// `loupe inspect MODEL`: print the layer table.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print a model's layers: output shapes, parameters, multiply-adds.")

    @Argument(help: "The ONNX model file.") var model: String
    @Option(name: .long, help: "Batch size for shapes and multiply-adds.") var batchSize: Int = 1
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
    @OptionGroup var memoryLimit: MemoryLimitOption

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        try memoryLimit.run {
            print(try Inspection.describe(modelPath: model, batchSize: batchSize, json: json))
        }
    }
}
