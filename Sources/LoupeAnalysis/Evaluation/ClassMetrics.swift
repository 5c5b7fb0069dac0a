import Foundation

/// Precision, recall and F1 of one class, and the classes its images are most often taken for.
public struct ClassMetrics: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Images of this class (row total).
    public var images: Int
    /// Wrong predictions for this class's images, most frequent first: (predicted class, count); ties by lower class index.
    public var confusions: [(predicted: Int, count: Int)]

    public static func == (a: ClassMetrics, b: ClassMetrics) -> Bool {
        [a.precision, a.recall, a.f1].elementsEqual([b.precision, b.recall, b.f1]) { $0 == $1 || ($0.isNaN && $1.isNaN) }
            && a.images == b.images && a.confusions.map(\.predicted) == b.confusions.map(\.predicted)
            && a.confusions.map(\.count) == b.confusions.map(\.count)
    }

    /// Metrics of every class of a confusion matrix (`confusion[true][predicted]`); NaN where undefined
    /// (precision of a class never predicted, recall of a class without images, F1 when both are 0 or NaN).
    public static func of(_ confusion: [[Int]], topConfusions: Int = 3) -> [ClassMetrics] {
        let classes = confusion.count
        return (0..<classes).map { c in
            let row = confusion[c]
            let truePositives = c < row.count ? row[c] : 0
            let images = row.reduce(0, +)
            let predicted = confusion.reduce(0) { $0 + (c < $1.count ? $1[c] : 0) }
            let precision = predicted > 0 ? Double(truePositives) / Double(predicted) : .nan
            let recall = images > 0 ? Double(truePositives) / Double(images) : .nan
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : .nan
            let confusions = row.enumerated().filter { $0.offset != c && $0.element > 0 }
                .sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
                .prefix(topConfusions).map { (predicted: $0.offset, count: $0.element) }
            return ClassMetrics(precision: precision, recall: recall, f1: f1, images: images, confusions: Array(confusions))
        }
    }

    /// The confusion matrix with the diagonal left out (NaN): only the mistakes remain, so a colour scale over it
    /// spans the errors instead of being stretched by the correct answers.
    public static func mistakes(_ confusion: [[Int]]) -> [[Double]] {
        confusion.enumerated().map { c, row in row.enumerated().map { j, count in j == c ? .nan : Double(count) } }
    }
}
