import LoupeAnalysis
import LoupeData

/// Measuring needs a `Dataset` (LoupeData), which LoupeAnalysis does not import.
extension Evaluation {
    /// One streamed pass of `classifier` over `dataset` (tests and tools; `loupe run` adds progress and checks).
    public static func measure(_ classifier: Classifier, over dataset: any Dataset, classCount: Int,
                               batchSize: Int = 32) throws -> Evaluation {
        var evaluation = Evaluation()
        evaluation.classCount = classCount
        var iterator = dataset.batches(size: batchSize)
        while let batch = try iterator.next() {
            evaluation.record(scores: try classifier.scores(batch.images), labels: batch.labels)
        }
        return evaluation
    }
}
