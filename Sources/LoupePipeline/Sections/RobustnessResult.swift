import Foundation
import LoupeCorruptions

/// Everything the robustness section measured, and the metrics derived from it.
struct RobustnessResult {
    var corruptions: [String]
    var severities: [Int]
    var profile: CorruptionProfile
    var height: Int
    var width: Int
    var channels: Int
    var images: Int
    var classCount: Int
    /// Clean predictions on the sampled images.
    var clean: RobustnessTally
    /// `cells[corruption][severity index]`.
    var cells: [[RobustnessTally]]
    var alexNetApplies: Bool
    var baseline: RobustnessBaseline?
    var jpegQ85: Bool
    var sample: RobustnessSample?
    /// Wall-clock seconds spent corrupting images and running the model (timings: run.json only).
    var secondsCorrupting = 0.0
    var secondsModel = 0.0
    /// The sampled dataset indices, in the order every tally's `hits` lists them.
    var indices: [Int] = []
    /// Why the `baseline` was scored on other images than this run (then no relative CE is given).
    var baselineDifferences: [String] = []

    var cleanAccuracy: Double { clean.accuracy }
    var cleanError: Double { 1 - clean.accuracy }

    /// Accuracy per corruption and severity.
    var accuracy: [[Double]] { cells.map { $0.map(\.accuracy) } }

    /// Error per severity of corruption `c`, keyed by severity.
    func errors(_ c: Int) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: zip(severities, cells[c].map { 1 - $0.accuracy }))
    }

    /// Mean accuracy of corruption `c` over its severities.
    func meanAccuracy(_ c: Int) -> Double { cells[c].map(\.accuracy).reduce(0, +) / Double(max(1, cells[c].count)) }

    /// What CE is divided by: the baseline file when given, else AlexNet when it applies, else nothing.
    var normaliser: RobustnessMetrics.Normaliser? {
        if let baseline { return baseline.normaliser }
        return alexNetApplies ? .alexNet : nil
    }

    /// `alexnet`, `baseline` or `none`.
    var normalisationKind: String { baseline != nil ? "baseline" : (alexNetApplies ? "alexnet" : "none") }

    /// Whether corruption `c` counts towards mCE: with AlexNet only the 15 benchmark ones, with a baseline every one it covers.
    func inMean(_ c: Int) -> Bool {
        baseline != nil || Corruptions.benchmark.contains { $0.name == corruptions[c] }
    }

    /// CE per corruption (nil without a normaliser or outside the benchmark set for AlexNet).
    var corruptionErrors: [Double?] {
        corruptions.indices.map { c in
            guard let normaliser, inMean(c) else { return nil }
            return RobustnessMetrics.corruptionError(errors(c), baseline: normaliser.errors[corruptions[c]])
        }
    }

    /// Relative CE per corruption.
    var relativeCorruptionErrors: [Double?] {
        corruptions.indices.map { c in
            // A relative CE from different images would pass a change of data as a change of robustness.
            guard let normaliser, inMean(c), baselineDifferences.isEmpty else { return nil }
            return RobustnessMetrics.relativeCorruptionError(errors(c), clean: cleanError, baseline: normaliser.errors[corruptions[c]],
                                                             baselineClean: normaliser.cleanError)
        }
    }

    var meanCorruptionError: Double? { RobustnessMetrics.mean(corruptionErrors) }
    var relativeMeanCorruptionError: Double? { RobustnessMetrics.mean(relativeCorruptionErrors) }

    /// mCE without frost (printed next to an mCE that contains the procedural frost, spec §5.2).
    var meanCorruptionErrorWithoutFrost: Double? {
        guard corruptions.contains(Frost.name) else { return nil }
        return RobustnessMetrics.mean(corruptions.indices.filter { corruptions[$0] != Frost.name }.map { corruptionErrors[$0] })
    }

    /// Unnormalised mean error over the benchmark corruptions' cells (the CIFAR-10-C "mean corruption error", spec §6.3).
    var unnormalisedMeanError: Double? {
        let benchmark = corruptions.indices.filter { c in Corruptions.benchmark.contains { $0.name == corruptions[c] } }
        let values = benchmark.flatMap { c in cells[c].map { 1 - $0.accuracy } }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Mean accuracy over every chosen cell.
    var meanCorruptedAccuracy: Double {
        let all = cells.flatMap { $0.map(\.accuracy) }
        return all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count)
    }

    /// Calibration pooled over the chosen corruptions at each severity.
    var perSeverity: [(severity: Int, bins: CalibrationBins)] {
        severities.enumerated().map { s, severity in
            var bins = CalibrationBins()
            for row in cells { bins.merge(row[s].bins) }
            return (severity, bins)
        }
    }

    /// Per class: clean accuracy on the sample, accuracy pooled over every corrupted cell, images in the sample.
    var classAccuracies: [(clean: Double, corrupted: Double, images: Int)] {
        (0..<classCount).map { k in
            var hits = 0, total = 0
            for row in cells { for cell in row { hits += cell.classCorrect[k]; total += cell.classTotal[k] } }
            let n = clean.classTotal[k]
            return (n > 0 ? Double(clean.classCorrect[k]) / Double(n) : 0, total > 0 ? Double(hits) / Double(total) : 0, n)
        }
    }

    /// The profile as the report names it.
    var profileTitle: String {
        switch profile {
        case .cifar: return height == 32 && width == 32 ? "CIFAR-10-C (make_cifar_c.py constants)"
            : "CIFAR-10-C constants on \(width)x\(height) images"
        case .imagenet: return height == 224 && width == 224 ? "ImageNet-C (make_imagenet_c.py constants)"
            : "generic: ImageNet-C constants, size-generalised to \(width)x\(height) (imagecorruptions 1.1.2)"
        }
    }

    /// Whether the numbers can be set beside published ones.
    var comparableToPublished: Bool {
        (profile == .cifar && height == 32 && width == 32) || (profile == .imagenet && height == 224 && width == 224)
    }

    /// Every way this run differs from the reference datasets, as sentences.
    var deviations: [String] {
        var lines = [String]()
        if profile == .imagenet && height == 224 && width == 224 {
            lines.append(jpegQ85 ? "Every corrupted image was re-encoded as JPEG quality 85 (4:2:0), as the published ImageNet-C files were."
                         : "The published ImageNet-C images were additionally stored as JPEG quality 85; this run corrupts in memory without that re-encode (set jpeg_q85 to add it).")
        } else if jpegQ85 {
            lines.append("Every corrupted image was re-encoded as JPEG quality 85 (4:2:0) on request; the reference for this profile stores images losslessly.")
        }
        if profile == .imagenet && !(height == 224 && width == 224) {
            lines.append("The images are \(width)x\(height), not the 224x224 ImageNet crop: the size-generalised algorithms of imagecorruptions 1.1.2 are used, which are far harsher on small images than CIFAR-10-C; the numbers show a trend only and are comparable to no published table.")
        }
        if profile == .cifar && !(height == 32 && width == 32) {
            lines.append("The CIFAR-10-C constants were chosen for \(width)x\(height) images; they were tuned for 32x32, so the numbers are comparable to no published table.")
        }
        if height < 32 || width < 32 {
            lines.append("Corruptions need at least 32x32 pixels: each \(width)x\(height) image was edge-padded to 32x32, corrupted, and cropped back.")
        }
        if channels == 1 {
            lines.append("The model reads gray images: each gray image was replicated to RGB, corrupted, and turned back into gray with the BT.601 luma (0.299 R + 0.587 G + 0.114 B).")
        }
        if corruptions.contains(where: { !(Corruptions.all[$0]?.isDeterministic ?? true) }) {
            lines.append("Random corruptions draw from Loupe's own generator, seeded per image, corruption and severity: they match the references in distribution (spec §7.4), not image for image.")
        }
        for name in corruptions {
            // Notes about the ImageNet profile away from 224x224 apply only there.
            let notes = Corruptions.all[name]?.deviations ?? []
            lines += notes.filter { !$0.contains("ImageNet profile") || (profile == .imagenet && !(height == 224 && width == 224)) }
        }
        return lines
    }
}
