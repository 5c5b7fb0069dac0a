import Foundation
import LoupeEngine
import LoupeTensor

/// Deletion and insertion curves of one image: target-class probability after each step.
public struct PerturbationCurves: Sendable, Equatable {
    /// Fraction of pixels removed (deletion) or inserted (insertion) at each point, 0 ... 1.
    public var fractions: [Double]
    public var deletion: [Double]
    public var insertion: [Double]

    /// Area under the deletion curve over the fraction axis (trapezoid rule; lower = more faithful).
    public var deletionAUC: Double { Faithfulness.area(fractions, deletion) }
    /// Area under the insertion curve (higher = more faithful).
    public var insertionAUC: Double { Faithfulness.area(fractions, insertion) }
}

/// Deletion / insertion (pixel-flipping style, docs/sanity-checks.md#faithfulness-deletion-and-insertion) and RandomLogit (docs/sanity-checks.md#random-logit).
///
/// Pixels (all channels of a position at once) are ranked by a per-pixel importance map, largest
/// first, ties in pixel order (a stable order). Deletion replaces the top pixels by the baseline
/// value; insertion starts from the all-baseline image and restores the top pixels from the
/// input. The baseline is Quantus' "black": the per-image minimum of the input tensor. Each curve
/// is the softmax probability of the target class at `steps + 1` evenly spaced fractions.
public enum Faithfulness {
    /// Curves for each image given its importance map (H·W values per image); perturbed copies are scored
    /// in batches of at most `batchSize` rows.
    public static func curves(_ classifier: Classifier, images: Tensor, targets: [Int], importance: [[Float]],
                              steps: Int, batchSize: Int = 64) throws -> [PerturbationCurves] {
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let plane = h * w
        guard steps >= 1, importance.count == n, importance.allSatisfy({ $0.count == plane }) else {
            throw LoupeError(.invalidInput, location: "faithfulness", "need \(n) importance maps of \(plane) values and steps ≥ 1")
        }
        let fractions = (0...steps).map { Double($0) / Double(steps) }
        var out = [PerturbationCurves]()
        for image in 0..<n {
            let x = MapComparison.row(images, image)
            let baseline = x.min() ?? 0
            let order = importance[image].indices.sorted {
                importance[image][$0] > importance[image][$1] || (importance[image][$0] == importance[image][$1] && $0 < $1)
            }
            let size = c * plane
            // Row r < steps + 1: deletion at fraction r; otherwise insertion at fraction r − steps − 1.
            func row(_ r: Int) -> [Float] {
                let deletion = r <= steps
                let count = Int((fractions[deletion ? r : r - steps - 1] * Double(plane)).rounded())
                var values = deletion ? x : [Float](repeating: baseline, count: size)
                for p in order.prefix(count) {
                    for channel in 0..<c { values[channel * plane + p] = deletion ? baseline : x[channel * plane + p] }
                }
                return values
            }
            var probabilities = [Double]()
            let rows = 2 * (steps + 1)
            for start in stride(from: 0, to: rows, by: max(1, batchSize)) {
                let end = min(rows, start + max(1, batchSize))
                var batch = Tensor(shape: [end - start, c, h, w])
                for r in start..<end { batch.scalars.replaceSubrange(((r - start) * size)..<((r - start + 1) * size), with: row(r)) }
                probabilities += try targetProbabilities(classifier, batch, target: targets[image])
            }
            out.append(PerturbationCurves(fractions: fractions, deletion: Array(probabilities[0...steps]),
                                          insertion: Array(probabilities[(steps + 1)...])))
        }
        return out
    }

    /// Softmax probability of `target` for each row of `batch`.
    static func targetProbabilities(_ classifier: Classifier, _ batch: Tensor, target: Int) throws -> [Double] {
        let scores = try classifier.scores(batch)
        let classes = scores.shape[1]
        guard target >= 0, target < classes else {
            throw LoupeError(.invalidInput, location: "faithfulness", "target class \(target) outside 0..<\(classes)")
        }
        return (0..<scores.shape[0]).map { row in
            let logits = scores.scalars[(row * classes)..<((row + 1) * classes)].map(Double.init)
            let top = logits.max() ?? 0
            let total = logits.reduce(0) { $0 + Foundation.exp($1 - top) }
            return Foundation.exp(logits[target] - top) / total
        }
    }

    /// Trapezoid area under (x, y).
    public static func area(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count >= 2 else { return .nan }
        var total = 0.0
        for i in 1..<x.count { total += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2 }
        return total
    }

    /// A seeded random importance map per image (the random-order reference curve).
    public static func randomImportance(count: Int, plane: Int, generator: inout SeededGenerator) -> [[Float]] {
        (0..<count).map { _ in (0..<plane).map { _ in Float(generator.uniform()) } }
    }
}

/// RandomLogit (Sixt et al. 2020; Quantus `RandomLogit`; docs/sanity-checks.md#random-logit).
public enum RandomLogit {
    /// For each label y, a class drawn uniformly from the other K − 1 classes.
    public static func otherClasses(labels: [Int], classCount: Int, generator: inout SeededGenerator) -> [Int] {
        labels.map { label in
            guard classCount > 1 else { return label }
            let j = Int(generator.uniform() * Double(classCount - 1))
            let others = (0..<classCount).filter { $0 != label }
            return others[min(j, others.count - 1)]
        }
    }

    /// Quantus' similarity: both batches normalised by their own batch-wide max |a| (no abs), each
    /// image flattened (C·H·W order), SSIM with a uniform 7-sample window, data range = max − min of the pair.
    public static func similarity(_ original: Tensor, _ other: Tensor) throws -> [Double] {
        let a = normalisedByMax(original), b = normalisedByMax(other)
        let n = original.shape.first ?? 0
        return try (0..<n).map { i in
            let x = MapComparison.row(a, i).map(Double.init), y = MapComparison.row(b, i).map(Double.init)
            let low = min(x.min() ?? 0, y.min() ?? 0), high = max(x.max() ?? 0, y.max() ?? 0)
            return try Similarity.ssim1D(x, y, dataRange: high - low)
        }
    }

    /// N-quantus: a / max|a| over the whole batch; an all-zero batch is returned unchanged.
    public static func normalisedByMax(_ batch: Tensor) -> Tensor {
        let top = batch.scalars.reduce(Float(0)) { max($0, abs($1)) }
        guard top > 0 else { return batch }
        var out = batch
        for i in 0..<out.count { out.scalars[i] /= top }
        return out
    }
}
