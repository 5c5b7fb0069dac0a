import Foundation
import LoupeEngine
import LoupeTensor

/// `loupe bench-conv`: the convolution kernel table of a model, printed row by row as it is measured.
public enum ConvolutionBenchmarkTable {
    /// Loads the model, times each distinct Conv layer's candidates, and prints a Markdown table with totals.
    public static func print(modelPath: String, batch: Int, repeats: Int) throws {
        let model = try Model(path: modelPath)
        Swift.print("Batch \(batch), \(Parallel.configuredWorkerCount) workers, oneDNN \(DNNLConvolution.isAvailable ? "available" : "absent"); fastest of \(repeats) runs.")
        Swift.print(ConvolutionKernelBenchmark.header)
        let rows = try ConvolutionKernelBenchmark.measure(model: model, batchSize: batch, repeats: repeats) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
        for row in rows { Swift.print(ConvolutionKernelBenchmark.line(row)) }
        // Whole-model totals per pass: Loupe's own kernels, the rule's choices, and the best candidate per layer.
        for (pass, name) in ["forward", "input gradient", "weight gradient"].enumerated() {
            func totals(_ table: (ConvolutionKernelBenchmark.Row) -> [[Double?]]) -> (own: Double, chosen: Double, best: Double) {
                var own = 0.0, chosen = 0.0, best = 0.0
                for row in rows {
                    let times = table(row)[pass]
                    let choice = [row.route.forward, row.route.inputGradient, row.route.weightGradient][pass]
                    let index = choice.oneDNNAlgorithm.map { $0 == .direct ? 1 : 2 } ?? 0
                    own += Double(row.count) * (times[0] ?? 0)
                    chosen += Double(row.count) * ((index < times.count ? times[index] : nil) ?? times[0] ?? 0)
                    best += Double(row.count) * (times.compactMap { $0 }.min() ?? 0)
                }
                return (own, chosen, best)
            }
            let cpu = totals(\.milliseconds), wall = totals(\.wallMilliseconds)
            Swift.print(String(format: "%@ (CPU ms | wall ms): Loupe's own kernels %.0f | %.0f, the rule's choices %.0f | %.0f, "
                               + "best per layer %.0f | %.0f", name, cpu.own, wall.own, cpu.chosen, wall.chosen, cpu.best, wall.best))
        }
    }
}
