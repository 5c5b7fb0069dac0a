import LoupeEngine
import LoupeTensor

extension Classifier {
    /// An upper bound of one row's bytes in a gradient pass: twice the bytes of every computed value of
    /// the plan at batch 1 (each value may be kept for the backward pass and get a gradient of its own
    /// size). Most values are freed early, so the bound splits a batch only when it may be needed.
    func gradientBytesPerRow(sampleShape: [Int]) throws -> Int {
        let plan = try model.plan(inputShapes: [inputName: [1] + sampleShape])
        var bytes = 0
        for facts in plan.facts.values where facts.constant == nil {
            let (size, tooLarge) = facts.shape.reduce(1, *).multipliedReportingOverflow(by: 2 * MemoryLayout<Float>.size)
            let (sum, overflow) = bytes.addingReportingOverflow(size)
            bytes = tooLarge || overflow ? Int.max : sum
        }
        return max(1, bytes)
    }

    /// The most rows one gradient pass may take within `budget` bytes (at least 1).
    func rowsPerGradientPass(sampleShape: [Int], budget: Int = MemoryBudget.bytes) throws -> Int {
        max(1, budget / (try gradientBytesPerRow(sampleShape: sampleShape)))
    }

    /// `gradients` in consecutive passes of at most `rowsPerGradientPass` rows, joined; nil when the
    /// batch fits one pass or the parts cannot be joined along the batch axis.
    func gradientsWithinBudget(_ images: Tensor, targets: [Int], wrt: Set<String>?, taps: Set<String>,
                               reluRule: ReluRule) throws -> GradientResult? {
        let rows = images.shape.first ?? 0
        guard images.rank >= 2, targets.count == rows else { return nil }
        let limit = try rowsPerGradientPass(sampleShape: Array(images.shape.dropFirst()))
        guard rows > limit else { return nil }
        let parts = try stride(from: 0, to: rows, by: limit).map { start -> GradientResult in
            let range = start..<min(rows, start + limit)
            return try gradients(images.slice(batch: range), targets: Array(targets[range]), wrt: wrt, taps: taps, reluRule: reluRule)
        }
        return GradientResult(joining: parts)
    }
}
