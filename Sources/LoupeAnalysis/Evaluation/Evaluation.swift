import Foundation
import LoupeTensor

/// Predictions of the model on every dataset image, from one streamed pass.
public struct Evaluation: Sendable {
    public init() {}
    public var labels: [Int] = []
    public var predictions: [Int] = []
    /// Softmax probability of the predicted class.
    public var confidences: [Float] = []
    /// Softmax probability of the true class.
    public var trueClassProbabilities: [Float] = []
    public var classCount = 0
    public var seconds: Double = 0

    public var accuracy: Double {
        labels.isEmpty ? 0 : Double(zip(labels, predictions).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Appends one batch: `scores` are N x classes logits, `labels` the N true classes.
    public mutating func record(scores: Tensor, labels: [Int]) {
        let classes = scores.shape.count == 2 ? scores.shape[1] : 0
        for row in 0..<min(labels.count, scores.shape.first ?? 0) where classes > 0 {
            let logits = Array(scores.scalars[(row * classes)..<((row + 1) * classes)])
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp(Double($0 - top)) }
            let total = exps.reduce(0, +)
            let prediction = logits.firstIndex(of: top) ?? 0
            let label = labels[row]
            self.labels.append(label)
            predictions.append(prediction)
            confidences.append(Float(exps[prediction] / total))
            trueClassProbabilities.append(label >= 0 && label < classes ? Float(exps[label] / total) : 0)
        }
    }

    /// Confusion counts, rows = true class, columns = predicted class.
    public var confusion: [[Int]] {
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (label, prediction) in zip(labels, predictions) where label < classCount && prediction < classCount {
            matrix[label][prediction] += 1
        }
        return matrix
    }
}
