import Foundation
import LoupeAnalysis
import LoupeTensor

/// Two runs compared: what changed from `before` (the baseline) to `after`, and whether it is significant.
///
/// Paired statistics need the same images in the same order. When the dataset fingerprint, image
/// count or preprocessing differ, `sameImages` is false and only unpaired headline numbers are
/// kept; robustness cells are paired only when, in addition, the corruption profile and the
/// sampled images agree (`sameCorruptions`). A relative corruption error is never computed otherwise.
public struct RunComparison {
    public let before: RunSnapshot
    public let after: RunSnapshot
    /// Why the two runs are not scored on the same images (empty when they are).
    public var differences: [String] = []
    public var sameImages = false
    public var sameCorruptions = false
    public var accuracy: PairedComparison?
    public var perClass: [ClassChange] = []
    public var flipped: [Flip] = []
    public var cells: [CellChange] = []
    public var calibration: CalibrationChange?
    public var drift: [Drift] = []
    public var deadChannels: [(layer: String, before: Int?, after: Int?)] = []
    public var sanity: [(method: String, before: String, after: String)] = []
    /// Relative change per parameter tensor (same names and shapes in both graphs).
    public var weights: [(parameter: String, relativeChange: Double)] = []

    /// Accuracy of one class in both runs.
    public struct ClassChange {
        public var name: String
        public var images: Int
        public var comparison: PairedComparison
        public var before: Double
        public var after: Double
    }

    /// An image right in one run and wrong in the other.
    public struct Flip {
        public var index: Int
        public var source: String
        public var label: Int
        public var predictionBefore: Int
        public var predictionAfter: Int
        /// True-class probability before and after.
        public var probabilityBefore: Double
        public var probabilityAfter: Double
        public var rightToWrong: Bool { predictionBefore == label }
    }

    /// One corruption × severity cell in both runs.
    public struct CellChange {
        public var cell: String
        public var before: Double
        public var after: Double
        public var comparison: PairedComparison
        /// Holm-adjusted McNemar p-value across all cells.
        public var adjustedP: Double
        /// A significant drop after Holm's correction.
        public var regression: Bool { adjustedP < 0.05 && comparison.difference < 0 }
    }

    /// ECE on clean images in both runs, with seeded bootstrap intervals (the same resamples for both).
    public struct CalibrationChange {
        public var before: Double
        public var after: Double
        public var beforeInterval: (Double, Double)
        public var afterInterval: (Double, Double)
        public var differenceInterval: (Double, Double)
    }

    /// How much one method's sample maps moved between the runs.
    public struct Drift {
        public var method: String
        public var images: Int
        public var ssim: Double
        public var spearman: Double
    }

    /// Seed of the bootstrap resamples (fixed so reruns print the same intervals).
    public static let bootstrapSeed: UInt64 = 0x5EED_0018

    /// Compares two runs (`after` against the baseline `before`).
    public init(before: RunSnapshot, after: RunSnapshot, bootstrapResamples: Int = 1000) {
        self.before = before
        self.after = after
        if before.datasetFingerprint != after.datasetFingerprint { differences.append("the dataset fingerprints differ") }
        if before.imageCount != after.imageCount || before.predictions.count != after.predictions.count {
            differences.append("the image counts differ (\(before.predictions.count) and \(after.predictions.count))")
        }
        if before.preprocessing != after.preprocessing { differences.append("the preprocessing differs") }
        sameImages = differences.isEmpty && zip(before.predictions, after.predictions).allSatisfy { $0.label == $1.label && $0.source == $1.source }
        if differences.isEmpty && !sameImages { differences.append("the images' labels or sources differ") }
        if let a = before.robustness, let b = after.robustness {
            if before.corruptionProfile != after.corruptionProfile {
                differences.append("the corruption profiles differ (\(before.corruptionProfile ?? "none") and \(after.corruptionProfile ?? "none"))")
            } else if a.indices != b.indices {
                differences.append("the robustness section sampled different images (\(a.indices.count) and \(b.indices.count))")
            }
            sameCorruptions = sameImages && before.corruptionProfile == after.corruptionProfile && a.indices == b.indices
        }
        if sameImages { comparePredictions(resamples: bootstrapResamples) }
        if sameCorruptions, let a = before.robustness, let b = after.robustness { compareCells(a, b) }
        if sameImages { drift = Self.drift(before.folder, after.folder) }
        weights = Self.weightChanges(beforeModel: before.modelPath, afterModel: after.modelPath)
        deadChannels = Self.deadChannels(before.summary, after.summary)
        sanity = Self.sanityVerdicts(before.summary, after.summary)
    }

    mutating func comparePredictions(resamples: Int) {
        let a = before.predictions, b = after.predictions
        accuracy = PairedComparison(correctA: a.map(\.correct), correctB: b.map(\.correct))
        let names = after.summary["summary"]?["classes"]?.listValue?.compactMap(\.textValue) ?? []
        for k in Set(a.map(\.label)).sorted() {
            let rows = a.indices.filter { a[$0].label == k }
            let before = rows.map { a[$0].correct }, after = rows.map { b[$0].correct }
            perClass.append(ClassChange(name: k < names.count ? names[k] : "class \(k)", images: rows.count,
                                        comparison: PairedComparison(correctA: before, correctB: after),
                                        before: Double(before.filter { $0 }.count) / Double(max(1, rows.count)),
                                        after: Double(after.filter { $0 }.count) / Double(max(1, rows.count))))
        }
        flipped = a.indices.filter { a[$0].correct != b[$0].correct }.map { i in
            Flip(index: b[i].index, source: b[i].source, label: a[i].label, predictionBefore: a[i].prediction,
                 predictionAfter: b[i].prediction, probabilityBefore: a[i].trueClassProbability, probabilityAfter: b[i].trueClassProbability)
        }.sorted { abs($0.probabilityAfter - $0.probabilityBefore) > abs($1.probabilityAfter - $1.probabilityBefore) }
        let confidencesA = a.map(\.confidence), confidencesB = b.map(\.confidence)
        let correctA = a.map(\.correct), correctB = b.map(\.correct)
        func ece(_ c: [Double], _ r: [Bool], _ i: [Int]) -> Double { Bootstrap.expectedCalibrationError(confidences: c, correct: r, indices: i) }
        let all = Array(a.indices)
        let intervalA = Bootstrap.percentileInterval(count: a.count, resamples: resamples, seed: Self.bootstrapSeed) { ece(confidencesA, correctA, $0) }
        let intervalB = Bootstrap.percentileInterval(count: b.count, resamples: resamples, seed: Self.bootstrapSeed) { ece(confidencesB, correctB, $0) }
        let intervalD = Bootstrap.percentileInterval(count: a.count, resamples: resamples, seed: Self.bootstrapSeed) {
            ece(confidencesB, correctB, $0) - ece(confidencesA, correctA, $0)
        }
        calibration = CalibrationChange(before: ece(confidencesA, correctA, all), after: ece(confidencesB, correctB, all),
                                        beforeInterval: intervalA, afterInterval: intervalB, differenceInterval: intervalD)
    }

    mutating func compareCells(_ a: RunRecords.RobustnessCorrectness, _ b: RunRecords.RobustnessCorrectness) {
        var changes = [CellChange]()
        for (c, cell) in a.cells.enumerated() where cell != "clean" {
            guard let d = b.cells.firstIndex(of: cell) else { continue }
            let comparison = PairedComparison(correctA: a.hits[c], correctB: b.hits[d])
            let n = Double(max(1, a.hits[c].count))
            changes.append(CellChange(cell: cell, before: Double(a.hits[c].filter { $0 }.count) / n,
                                      after: Double(b.hits[d].filter { $0 }.count) / n, comparison: comparison, adjustedP: 1))
        }
        let adjusted = HolmCorrection.adjust(changes.map(\.comparison.pValue))
        for i in changes.indices { changes[i].adjustedP = adjusted[i] }
        cells = changes
    }

    /// Mean corruption error (unnormalised: mean of 1 − accuracy over the cells) before and after.
    public var meanCorruptionError: (before: Double, after: Double)? {
        guard !cells.isEmpty else { return nil }
        let n = Double(cells.count)
        return (cells.reduce(0) { $0 + 1 - $1.before } / n, cells.reduce(0) { $0 + 1 - $1.after } / n)
    }

    /// Corruption error of `after` relative to `before` per corruption (Σ errors after / Σ errors before); only on the same images.
    public var relativeCorruptionErrors: [(corruption: String, ratio: Double)] {
        guard sameCorruptions else { return [] }
        var order = [String](), sums = [String: (Double, Double)]()
        for cell in cells {
            let name = String(cell.cell.split(separator: "@").first ?? "")
            if sums[name] == nil { order.append(name) }
            let s = sums[name] ?? (0, 0)
            sums[name] = (s.0 + 1 - cell.before, s.1 + 1 - cell.after)
        }
        return order.compactMap { name in
            guard let s = sums[name], s.0 > 0 else { return nil }
            return (name, s.1 / s.0)
        }
    }

    /// SSIM and Spearman between the two runs' gallery maps, per method, when both ran on the same gallery images.
    static func drift(_ folderA: String, _ folderB: String) -> [Drift] {
        let folder = RunRecords.attributionsFolder
        guard let indicesA = try? RegularFile.contents("\(folderA)/\(folder)/indices.csv"),
              indicesA == (try? RegularFile.contents("\(folderB)/\(folder)/indices.csv")),
              let files = try? FileManager.default.contentsOfDirectory(atPath: "\(folderA)/\(folder)") else { return [] }
        var result = [Drift]()
        for file in files.sorted() where file.hasSuffix(".npy") {
            guard let a = try? NPY.read(path: "\(folderA)/\(folder)/\(file)").asFloat,
                  let b = try? NPY.read(path: "\(folderB)/\(folder)/\(file)").asFloat,
                  a.shape == b.shape, a.shape.count == 4, a.shape[0] > 0 else { continue }
            let (n, c, h, w) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
            let size = c * h * w
            var ssims = [Double](), spearmans = [Double]()
            for i in 0..<n {
                let x = a.scalars[(i * size)..<((i + 1) * size)].map { Double($0) }
                let y = b.scalars[(i * size)..<((i + 1) * size)].map { Double($0) }
                if let s = try? Similarity.ssim(x, y, channels: c, height: h, width: w, dataRange: 1) { ssims.append(s) }
                if x == y { spearmans.append(1) } else if let r = Similarity.spearman(x, y) { spearmans.append(r) }
            }
            func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
            result.append(Drift(method: String(file.dropLast(4)), images: n, ssim: mean(ssims), spearman: mean(spearmans)))
        }
        return result
    }

    /// Dead channels per activation layer before and after.
    static func deadChannels(_ a: SummaryValue, _ b: SummaryValue) -> [(layer: String, before: Int?, after: Int?)] {
        func counts(_ s: SummaryValue) -> [(String, Int)] {
            (s["activations"]?["layers"]?.listValue ?? []).compactMap { layer in
                layer["value"]?.textValue.map { ($0, layer["dead"]?.listValue?.count ?? 0) }
            }
        }
        let before = counts(a), after = counts(b)
        var layers = before.map(\.0)
        for (name, _) in after where !layers.contains(name) { layers.append(name) }
        return layers.map { name in (name, before.first { $0.0 == name }?.1, after.first { $0.0 == name }?.1) }
    }

    /// Model randomisation verdicts per method before and after.
    static func sanityVerdicts(_ a: SummaryValue, _ b: SummaryValue) -> [(method: String, before: String, after: String)] {
        func verdicts(_ s: SummaryValue) -> [(String, String)] {
            guard case .object(let entries)? = s["sanity"]?["verdicts"] else { return [] }
            return entries.map { ($0.0, $0.1["randomisation"]?.textValue ?? "–") }
        }
        let before = verdicts(a), after = verdicts(b)
        var methods = before.map(\.0)
        for (name, _) in after where !methods.contains(name) { methods.append(name) }
        return methods.map { m in (m, before.first { $0.0 == m }?.1 ?? "not run", after.first { $0.0 == m }?.1 ?? "not run") }
    }
}
