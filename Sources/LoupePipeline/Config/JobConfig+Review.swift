import Foundation
import LoupeAnalysis

/// Thresholds of the "Findings" page (config `findings`); every default is documented in the README.
public struct FindingsOptions: Sendable, Equatable {
    /// A layer is flagged when more than this share of its channels is dead (never active) or saturated.
    public var deadChannelShare = 0.25
    /// Integrated Gradients completeness error (|Σ IG − Δf| / |Δf|) above this is flagged.
    public var integratedGradientsError = 0.05
    /// A class whose accuracy is more than this below the mean accuracy over classes is flagged.
    public var classAccuracyGap = 0.2
    /// Expected calibration error on clean images above this is flagged.
    public var calibrationError = 0.1
    /// A corruption whose mean accuracy is more than this below the clean accuracy is flagged (worst three listed).
    public var corruptionDrop = 0.2
    /// A method's deletion AUC must be lower than the random order's by at least this much.
    public var deletionMargin = 0.0
    /// At most this many corruptions are listed.
    public var maxCorruptions = 3

    public init() {}
}

/// Conditions that fail a CI check (config `gates`); each is off unless set.
public struct GateOptions: Sendable, Equatable {
    /// Trips when accuracy falls by more than this (a share, e.g. 0.01) and the drop is significant (McNemar, same images).
    public var accuracyDrop: Double?
    /// Trips when the mean corruption error rises by more than this and at least one cell is a Holm-significant regression.
    public var corruptionErrorRise: Double?
    /// Trips when a method's sanity verdict turns to "fail".
    public var newSanityFailure = false
    /// Trips on any critical finding.
    public var criticalFindings = false

    public init() {}
    /// Whether any gate is set.
    public var isEmpty: Bool { accuracyDrop == nil && corruptionErrorRise == nil && !newSanityFailure && !criticalFindings }
}

/// The review options of a job: findings thresholds, the baseline to compare with, CI gates.
public struct ReviewOptions: Sendable {
    public var findings = FindingsOptions()
    /// `"previous"` (the newest earlier successful run of the job) or a run folder; nil = no comparison.
    public var compare: String?
    public var gates = GateOptions()
    /// Earlier runs of the job shown in the trend charts, as set in the config (nil = not set).
    public var historySetting: Int?
    /// Earlier runs shown: the setting, else 30. A job's first run in an output folder has no earlier
    /// runs, so its report has no Trends section; `history: 0` turns the section off.
    public var history: Int { historySetting ?? 30 }
    /// Keep at most this many runs of the job in the output folder, removing the oldest (never the baseline); nil = keep all.
    public var keep: Int?

    public init() {}
}

extension LoupeConfig {
    /// Keys of `jobs[i].findings`.
    public static let findingsKeys = ["dead_channel_share", "ig_completeness_error", "class_accuracy_gap", "calibration_error",
                                      "corruption_drop", "deletion_margin", "max_corruptions"]
    /// Job keys added by the review (merged into `jobKeys`).
    public static let reviewJobKeys = ["findings", "compare", "gates", "history", "keep"]
    /// Keys of `jobs[i].gates`.
    public static let gateKeys = ["accuracy_drop", "corruption_error_rise", "new_sanity_failure", "critical_findings"]

    /// Reads a job's review options, recording every problem with its JSON path.
    static func readReview(_ job: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> ReviewOptions {
        var options = ReviewOptions()
        if let compare = reader.string(job, "compare", path) {
            if compare == "previous" {
                options.compare = compare
            } else {
                // A run folder; it may be written by an earlier job of the same config, so it is checked when the job runs.
                options.compare = resolve(compare, in: folder)
            }
        }
        if let v = reader.int(job, "history", path, range: 0...10_000) { options.historySetting = v }
        if let v = reader.int(job, "keep", path, range: 1...100_000) { options.keep = v }
        if let value = job["gates"], let object = reader.object(value, "\(path).gates", allowed: gateKeys) {
            let at = "\(path).gates"
            for key in ["accuracy_drop", "corruption_error_rise"] {
                guard let v = reader.double(object, key, at) else { continue }
                guard v >= 0, v <= 1 else { reader.problem("\(at).\(key)", "expected a number from 0 to 1, got \(v)"); continue }
                if key == "accuracy_drop" { options.gates.accuracyDrop = v } else { options.gates.corruptionErrorRise = v }
            }
            if let v = reader.bool(object, "new_sanity_failure", at) { options.gates.newSanityFailure = v }
            if let v = reader.bool(object, "critical_findings", at) { options.gates.criticalFindings = v }
        }
        if let value = job["findings"], let object = reader.object(value, "\(path).findings", allowed: findingsKeys) {
            let at = "\(path).findings"
            func share(_ key: String) -> Double? {
                guard let v = reader.double(object, key, at) else { return nil }
                guard v >= 0, v <= 1 else { reader.problem("\(at).\(key)", "expected a number from 0 to 1, got \(v)"); return nil }
                return v
            }
            if let v = share("dead_channel_share") { options.findings.deadChannelShare = v }
            if let v = share("ig_completeness_error") { options.findings.integratedGradientsError = v }
            if let v = share("class_accuracy_gap") { options.findings.classAccuracyGap = v }
            if let v = share("calibration_error") { options.findings.calibrationError = v }
            if let v = share("corruption_drop") { options.findings.corruptionDrop = v }
            if let v = share("deletion_margin") { options.findings.deletionMargin = v }
            if let v = reader.int(object, "max_corruptions", at, range: 0...100) { options.findings.maxCorruptions = v }
        }
        return options
    }
}
