import LoupeTensor

/// One off-diagonal cell of a confusion matrix: images of class `trueClass` predicted as `predicted`.
public struct ConfusedPair: Sendable, Equatable {
    public var trueClass: Int
    public var predicted: Int
    public var count: Int

    public init(trueClass: Int, predicted: Int, count: Int) {
        self.trueClass = trueClass; self.predicted = predicted; self.count = count
    }
}

/// Seeded choices of which images the gradient pages show.
public enum SampleChoice {
    /// The `limit` largest non-zero off-diagonal cells (rows = true class), ties broken by (true, predicted) order.
    public static func confusedPairs(_ confusion: [[Int]], limit: Int = 3) -> [ConfusedPair] {
        var pairs = [ConfusedPair]()
        for (row, counts) in confusion.enumerated() {
            for (column, count) in counts.enumerated() where row != column && count > 0 {
                pairs.append(ConfusedPair(trueClass: row, predicted: column, count: count))
            }
        }
        pairs.sort { a, b in
            if a.count != b.count { return a.count > b.count }
            return (a.trueClass, a.predicted) < (b.trueClass, b.predicted)
        }
        return Array(pairs.prefix(max(0, limit)))
    }

    /// A seeded mix of correctly and wrongly classified indices: up to half wrong, the rest correct.
    ///
    /// When one kind runs short the other fills the remaining places. The result is sorted
    /// wrong-last within reading order: correct ones first, then the misclassified ones.
    public static func gallery(labels: [Int], predictions: [Int], count: Int,
                               generator: inout SeededGenerator) -> [Int] {
        let total = min(labels.count, predictions.count)
        var correct = [Int](), wrong = [Int]()
        for i in 0..<total { if labels[i] == predictions[i] { correct.append(i) } else { wrong.append(i) } }
        correct.shuffle(using: &generator)
        wrong.shuffle(using: &generator)
        let wanted = min(max(0, count), total)
        let wrongCount = min(wrong.count, wanted / 2)
        let correctCount = min(correct.count, wanted - wrongCount)
        let extraWrong = min(wrong.count - wrongCount, wanted - wrongCount - correctCount)
        return Array(correct.prefix(correctCount)).sorted() + Array(wrong.prefix(wrongCount + extraWrong)).sorted()
    }

    /// A seeded example index with label `pair.trueClass` predicted as `pair.predicted` (nil when none).
    public static func example(of pair: ConfusedPair, labels: [Int], predictions: [Int],
                               generator: inout SeededGenerator) -> Int? {
        let matches = (0..<min(labels.count, predictions.count)).filter { labels[$0] == pair.trueClass && predictions[$0] == pair.predicted }
        return matches.randomElement(using: &generator)
    }

    /// The first `cap` indices of a seeded permutation of `0..<count`, sorted (all when `cap >= count`).
    public static func capped(count: Int, cap: Int, generator: inout SeededGenerator) -> [Int] {
        guard cap < count else { return Array(0..<max(0, count)) }
        var all = Array(0..<count)
        all.shuffle(using: &generator)
        return Array(all.prefix(max(0, cap))).sorted()
    }
}
