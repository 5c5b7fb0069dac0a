import ArgumentParser
import LoupePipeline

/// `loupe train-demo`: trains the embedded demo classifier on synthetic-shapes and writes it as ONNX.
struct TrainDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-demo",
        abstract: "Train the small demo CNN on synthetic-shapes with Loupe's own gradients and save it as ONNX.")

    @Option(name: .long, help: "The ONNX file to write.") var output: String = "Demo/shapes-cnn.onnx"
    @Option(name: .long, help: "Class names file to write next to the model (one per line); empty to skip.")
    var classes: String = "Demo/classes.txt"
    @Option(name: .long, help: "Seed of the weights, training images and shuffles (held-out images use seed + 1).")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Passes over the training images.") var epochs: Int = DemoTrainer().epochs
    @Option(name: .long, help: "Optimiser: adam or sgd.") var optimizer: String = "adam"
    @Option(name: .long, help: "Peak learning rate (default: 0.003 for adam, 0.05 for sgd).") var learningRate: Float?
    @Option(name: .long, help: "Number of training images.") var trainCount: Int = DemoTrainer().trainCount
    @Option(name: .long, help: "Number of held-out images.") var testCount: Int = DemoTrainer().testCount
    @Option(name: .long, help: "Images per step.") var batchSize: Int = DemoTrainer().batchSize

    func validate() throws {
        guard DemoOptimizer(rawValue: optimizer) != nil else { throw ValidationError("--optimizer must be adam or sgd") }
        guard epochs > 0, trainCount > 0, testCount > 0, batchSize > 0 else {
            throw ValidationError("--epochs, --train-count, --test-count and --batch-size must be positive")
        }
    }

    func run() throws {
        try runReportingErrors {
            let trainer = DemoTrainer(seed: seed, trainCount: trainCount, testCount: testCount, epochs: epochs,
                                      batchSize: batchSize, learningRate: learningRate,
                                      optimizer: DemoOptimizer(rawValue: optimizer) ?? .adam)
            try trainDemoModel(outputPath: output, trainer: trainer, classesPath: classes.isEmpty ? nil : classes)
        }
    }
}
