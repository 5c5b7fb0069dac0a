import Foundation

/// Counts of one corruption × severity cell: accuracy, calibration bins, per-class hits.
public struct RobustnessTally: Sendable {
    public var correct = 0
    public var total = 0
    /// Top-1 confidence against correctness.
    public var bins = CalibrationBins()
    public var classCorrect: [Int]
    public var classTotal: [Int]
    /// Whether each image was classified correctly, in the order the images were added.
    public var hits: [Bool] = []

    public init(classCount: Int) {
        classCorrect = [Int](repeating: 0, count: classCount)
        classTotal = [Int](repeating: 0, count: classCount)
    }

    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// Adds one prediction.
    public mutating func add(label: Int, prediction: Int, confidence: Double) {
        total += 1
        let hit = label == prediction
        hits.append(hit)
        if hit { correct += 1 }
        bins.add(confidence: confidence, correct: hit)
        if label >= 0 && label < classTotal.count {
            classTotal[label] += 1
            if hit { classCorrect[label] += 1 }
        }
    }
}
