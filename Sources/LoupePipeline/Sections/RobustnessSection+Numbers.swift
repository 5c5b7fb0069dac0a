import Foundation
import LoupeAnalysis
import LoupeCorruptions

extension RobustnessSection {
    /// The section's `summary.json` tree (format `loupe-robustness-1`, read back by `RobustnessBaseline`).
    ///
    /// Keys: `format`, `profile` (`cifar`/`imagenet`), `profile_title`, `image_size` [H, W], `images` (per cell),
    /// `classes`, `jpeg_q85`, `normalisation` (`alexnet`/`baseline`/`none`), `normaliser`, `clean_accuracy`,
    /// `clean_error`, `corruptions`, `severities`, `cells` (one object per corruption × severity: `corruption`,
    /// `severity`, `accuracy`, `error`, `mean_confidence`, `ece`), `per_corruption` (`corruption`,
    /// `mean_accuracy`, `mean_error`, `ce`, `relative_ce`; null when undefined), `mce`, `relative_mce`,
    /// `mce_without_frost`, `mean_error_unnormalised`, `mean_corrupted_accuracy`, `calibration` (`clean` and
    /// `per_severity`), `class_drops` (every class), `deviations`.
    func numbers(_ r: RobustnessResult, deviations: [String]) -> SummaryValue {
        func optional(_ value: Double?) -> SummaryValue { value.map { .number($0) } ?? .number(.nan) }
        let ce = r.corruptionErrors, relative = r.relativeCorruptionErrors
        var cells = [SummaryValue]()
        for (c, name) in r.corruptions.enumerated() {
            for (s, severity) in r.severities.enumerated() {
                let tally = r.cells[c][s]
                cells.append(.object([("corruption", .text(name)), ("severity", .integer(severity)),
                                      ("accuracy", .number(tally.accuracy)), ("error", .number(1 - tally.accuracy)),
                                      ("mean_confidence", .number(tally.bins.meanConfidence)),
                                      ("ece", .number(tally.bins.expectedCalibrationError))]))
            }
        }
        let perCorruption = r.corruptions.indices.map { c -> SummaryValue in
            .object([("corruption", .text(r.corruptions[c])), ("mean_accuracy", .number(r.meanAccuracy(c))),
                     ("mean_error", .number(1 - r.meanAccuracy(c))), ("ce", optional(ce[c])), ("relative_ce", optional(relative[c]))])
        }
        let classes = r.classAccuracies.enumerated().map { k, entry -> SummaryValue in
            .object([("class", .integer(k)), ("images", .integer(entry.images)), ("clean_accuracy", .number(entry.clean)),
                     ("corrupted_accuracy", .number(entry.corrupted)), ("drop", .number(entry.clean - entry.corrupted))])
        }
        let calibration = SummaryValue.object([
            ("bins", .integer(r.clean.bins.binCount)),
            ("clean", .object([("ece", .number(r.clean.bins.expectedCalibrationError)),
                               ("mean_confidence", .number(r.clean.bins.meanConfidence)), ("accuracy", .number(r.cleanAccuracy))])),
            ("per_severity", .list(r.perSeverity.map { entry in
                .object([("severity", .integer(entry.severity)), ("ece", .number(entry.bins.expectedCalibrationError)),
                         ("mean_confidence", .number(entry.bins.meanConfidence)), ("accuracy", .number(entry.bins.accuracy))])
            })),
        ])
        return .object([
            ("format", .text(RobustnessBaseline.format)),
            ("profile", .text(r.profile.rawValue)),
            ("profile_title", .text(r.profileTitle)),
            ("image_size", .list([.integer(r.height), .integer(r.width)])),
            ("images", .integer(r.images)),
            ("classes", .integer(r.classCount)),
            ("jpeg_q85", .flag(r.jpegQ85)),
            ("normalisation", .text(r.normalisationKind)),
            ("normaliser", .text(r.normaliser?.name ?? "")),
            ("clean_accuracy", .number(r.cleanAccuracy)),
            ("clean_error", .number(r.cleanError)),
            ("corruptions", .list(r.corruptions.map { .text($0) })),
            ("severities", .list(r.severities.map { .integer($0) })),
            ("cells", .list(cells)),
            ("per_corruption", .list(perCorruption)),
            ("mce", optional(r.meanCorruptionError)),
            ("relative_mce", optional(r.relativeMeanCorruptionError)),
            ("mce_without_frost", optional(r.meanCorruptionErrorWithoutFrost)),
            ("mean_error_unnormalised", optional(r.unnormalisedMeanError)),
            ("mean_corrupted_accuracy", .number(r.meanCorruptedAccuracy)),
            ("calibration", calibration),
            ("class_drops", .list(classes)),
            ("deviations", .list(deviations.map { .text($0) })),
        ])
    }
}
