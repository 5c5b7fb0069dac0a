import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe embed --input acts.npy --method pca|tsne --output xy.npy`: a 2-D map of the rows of an array.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Map the rows of an NPY array (trailing dims flattened) to 2-D with PCA or t-SNE and report quality numbers.")

    @Option(name: .long, help: "Points (.npy): rows are points, trailing dimensions are flattened.") var input: String
    @Option(name: .long, help: "Class labels (.npy), one per row, for the k-NN accuracies.") var labels: String?
    @Option(name: .long, help: "Method: pca or tsne.") var method: String = "tsne"
    @Option(name: .long, help: "t-SNE perplexity (must be below N/3).") var perplexity: Double = 30
    @Option(name: .long, help: "Seed (t-SNE initialisation jitter).") var seed: UInt64 = 0
    @Option(name: .long, help: "t-SNE repulsion: auto (Barnes-Hut below 10,000 points, FFT interpolation from there), exact, barnesHut or fftInterpolation.")
    var gradient: String = "auto"
    @Option(name: .long, help: "Output array (.npy), N x 2.") var output: String
    @Option(name: .long, help: "Write the quality numbers and timing as JSON here.") var json: String?

    func run() throws {
        try runReportingErrors {
            var options = EmbeddingRunner.Options()
            options.method = method
            options.labelsPath = labels
            options.perplexity = perplexity
            options.seed = seed
            options.gradient = gradient
            options.jsonPath = json
            let s = try EmbeddingRunner.run(inputPath: input, outputPath: output, options: options)
            var line = "wrote \(output) (\(s.points) x 2, \(s.method), \(String(format: "%.2f", s.seconds)) s)"
            if let kl = s.klDivergence { line += String(format: " KL %.4f", kl) }
            if let t = s.trustworthiness { line += String(format: " T(10) %.4f", t) }
            if let a = s.knnAccuracy2D { line += String(format: " kNN-2D %.4f", a) }
            if let a = s.knnAccuracyOriginal { line += String(format: " kNN-orig %.4f", a) }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
