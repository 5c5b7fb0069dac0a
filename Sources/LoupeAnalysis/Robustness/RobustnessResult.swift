import Foundation
import LoupeCorruptions

/// Everything the robustness section measured, and the metrics derived from it.
public struct RobustnessResult {
    public var corruptions: [String]
    public var severities: [Int]
    public var profile: CorruptionProfile
    public var height: Int
    public var width: Int
    public var channels: Int
    public var images: Int
    public var classCount: Int
    /// Clean predictions on the sampled images.
    public var clean: RobustnessTally
    /// `cells[corruption][severity index]`.
    public var cells: [[RobustnessTally]]
    public var alexNetApplies: Bool
    public var baseline: RobustnessBaseline?
    public var jpegQ85: Bool
    public var sample: RobustnessSample?
    /// Wall-clock seconds spent corrupting images and running the model (timings: run.json only).
    public var secondsCorrupting = 0.0
    public var secondsModel = 0.0
    /// The sampled dataset indices, in the order every tally's `hits` lists them.
    public var indices: [Int] = []
    /// Why the `baseline` was scored on other images than this run (then no relative CE is given).
    public var baselineDifferences: [String] = []

    public init(corruptions: [String], severities: [Int], profile: CorruptionProfile, height: Int, width: Int, channels: Int,
                images: Int, classCount: Int, clean: RobustnessTally, cells: [[RobustnessTally]], alexNetApplies: Bool,
                baseline: RobustnessBaseline?, jpegQ85: Bool, sample: RobustnessSample?, secondsCorrupting: Double = 0,
                secondsModel: Double = 0, indices: [Int] = [], baselineDifferences: [String] = []) {
        self.indices = indices
        self.baselineDifferences = baselineDifferences
        self.corruptions = corruptions
        self.severities = severities
        self.profile = profile
        self.height = height
        self.width = width
        self.channels = channels
        self.images = images
        self.classCount = classCount
        self.clean = clean
        self.cells = cells
        self.alexNetApplies = alexNetApplies
        self.baseline = baseline
        self.jpegQ85 = jpegQ85
        self.sample = sample
        self.secondsCorrupting = secondsCorrupting
        self.secondsModel = secondsModel
    }

    public var cleanAccuracy: Double { clean.accuracy }
    public var cleanError: Double { 1 - clean.accuracy }

    /// Accuracy per corruption and severity.
    public var accuracy: [[Double]] { cells.map { $0.map(\.accuracy) } }

    /// Error per severity of corruption `c`, keyed by severity.
    public func errors(_ c: Int) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: zip(severities, cells[c].map { 1 - $0.accuracy }))
    }

    /// Mean accuracy of corruption `c` over its severities.
    public func meanAccuracy(_ c: Int) -> Double { cells[c].map(\.accuracy).reduce(0, +) / Double(max(1, cells[c].count)) }

    /// What CE is divided by: the baseline file when given, else AlexNet when it applies, else nothing.
    public var normaliser: RobustnessMetrics.Normaliser? {
        if let baseline { return baseline.normaliser }
        return alexNetApplies ? .alexNet : nil
    }

    /// `alexnet`, `baseline` or `none`.
    public var normalisationKind: String { baseline != nil ? "baseline" : (alexNetApplies ? "alexnet" : "none") }

    /// Whether corruption `c` counts towards mCE: with AlexNet only the 15 benchmark ones, with a baseline every one it covers.
    public func inMean(_ c: Int) -> Bool {
        baseline != nil || Corruptions.benchmark.contains { $0.name == corruptions[c] }
    }

    /// CE per corruption (nil without a normaliser or outside the benchmark set for AlexNet).
    public var corruptionErrors: [Double?] {
        corruptions.indices.map { c in
            guard let normaliser, inMean(c) else { return nil }
            return RobustnessMetrics.corruptionError(errors(c), baseline: normaliser.errors[corruptions[c]])
        }
    }

    /// Relative CE per corruption.
    public var relativeCorruptionErrors: [Double?] {
        corruptions.indices.map { c in
            // A relative CE from different images would pass a change of data as a change of robustness.
            guard let normaliser, inMean(c), baselineDifferences.isEmpty else { return nil }
            return RobustnessMetrics.relativeCorruptionError(errors(c), clean: cleanError, baseline: normaliser.errors[corruptions[c]],
                                                             baselineClean: normaliser.cleanError)
        }
    }

    public var meanCorruptionError: Double? { RobustnessMetrics.mean(corruptionErrors) }
    public var relativeMeanCorruptionError: Double? { RobustnessMetrics.mean(relativeCorruptionErrors) }

    /// mCE without frost (printed next to an mCE that contains the procedural frost, docs/corruptions.md#frost-texture).
    public var meanCorruptionErrorWithoutFrost: Double? {
        guard corruptions.contains(Frost.name) else { return nil }
        return RobustnessMetrics.mean(corruptions.indices.filter { corruptions[$0] != Frost.name }.map { corruptionErrors[$0] })
    }

    /// Unnormalised mean error over the benchmark corruptions' cells (the CIFAR-10-C "mean corruption error", docs/corruptions.md#cifar-10-c-convention).
    public var unnormalisedMeanError: Double? {
        let benchmark = corruptions.indices.filter { c in Corruptions.benchmark.contains { $0.name == corruptions[c] } }
        let values = benchmark.flatMap { c in cells[c].map { 1 - $0.accuracy } }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Mean accuracy over every chosen cell.
    public var meanCorruptedAccuracy: Double {
        let all = cells.flatMap { $0.map(\.accuracy) }
        return all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
    }

    /// Calibration pooled over the chosen corruptions at each severity.
    public var perSeverity: [(severity: Int, bins: CalibrationBins)] {
        severities.enumerated().map { s, severity in
            var bins = CalibrationBins()
            for row in cells { bins.merge(row[s].bins) }
            return (severity, bins)
        }
    }

    /// Per class: clean accuracy on the sample, accuracy pooled over every corrupted cell, images in the sample.
    public var classAccuracies: [(clean: Double, corrupted: Double, images: Int)] {
        (0..<classCount).map { k in
            var hits = 0, total = 0
            for row in cells { for cell in row { hits += cell.classCorrect[k]; total += cell.classTotal[k] } }
            let n = clean.classTotal[k]
            return (n > 0 ? Double(clean.classCorrect[k]) / Double(n) : 0, total > 0 ? Double(hits) / Double(total) : 0, n)
        }
    }

    /// Whether the numbers can be set beside published ones.
    public var comparableToPublished: Bool {
        (profile == .cifar && height == 32 && width == 32) || (profile == .imagenet && height == 224 && width == 224)
    }
}

/// The sample image of the figure, clean and through each corruption at severity 3.
public struct RobustnessSample: Sendable {
    public var index: Int
    public var label: Int
    public var clean: RGBImage8
    public var corrupted: [RGBImage8]

    public init(index: Int, label: Int, clean: RGBImage8, corrupted: [RGBImage8]) {
        self.index = index
        self.label = label
        self.clean = clean
        self.corrupted = corrupted
    }
}
