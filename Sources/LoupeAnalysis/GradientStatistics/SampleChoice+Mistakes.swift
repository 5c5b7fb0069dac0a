import Foundation

extension SampleChoice {
    /// The `count` misclassified images the model was most confident about: highest confidence first,
    /// ties broken by the lower dataset index. Images without a confidence are left out.
    public static func confidentMistakes(labels: [Int], predictions: [Int], confidences: [Float], count: Int) -> [Int] {
        let n = min(labels.count, predictions.count, confidences.count)
        let wrong = (0..<n).filter { labels[$0] != predictions[$0] && confidences[$0].isFinite }
        let ranked = wrong.sorted { confidences[$0] > confidences[$1] || (confidences[$0] == confidences[$1] && $0 < $1) }
        return Array(ranked.prefix(max(0, count)))
    }
}
