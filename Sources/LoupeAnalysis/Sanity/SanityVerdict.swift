import Foundation

/// Thresholds of the sanity verdicts; the report and summary.json state them.
public struct SanityThresholds: Sendable, Equatable {
    /// A method passes the randomisation test when the mean SSIM after randomising every layer is below this.
    public var ssim = 0.5
    /// ... and the mean Spearman ρ (absolute maps) after randomising every layer is below this.
    public var spearman = 0.5
    /// RandomLogit: maps count as class-sensitive when the mean SSIM to another class's map is below this.
    public var randomLogit = 0.5

    /// The defaults: 0.5 for every threshold.
    public init() {}
}

/// The outcome of one check; `word` is the one text the PDF and summary.json both print.
public enum SanityOutcome: String, Sendable, Equatable, CaseIterable {
    case passes
    case fails
    /// The measures disagree (e.g. SSIM fell below its threshold but the rank correlation did not), or the
    /// result rests on too few images (fewer than half had a non-empty map), or the test itself is weak
    /// (data randomisation with a retrained model that did not fit its shuffled labels).
    case inconclusive
    /// A needed number is missing or not finite.
    case undetermined

    /// The verdict word used everywhere (PDF headings, tables and summary.json).
    public var word: String { rawValue }
}

/// Verdict logic for the sanity section (kept apart from the report so it can be tested on made-up numbers).
public enum SanityVerdict {
    /// Randomisation test: passes when both final similarities fall below their thresholds, fails when both stay at or above;
    /// inconclusive when they disagree or when fewer than half of the `total` images were `scored` (the others had empty maps).
    public static func randomisation(finalSSIM: Double, finalSpearman: Double, thresholds: SanityThresholds,
                                     scored: Int = 1, of total: Int = 1) -> SanityOutcome {
        if EmptyMaps.tooFew(scored: scored, of: total) { return .inconclusive }
        guard finalSSIM.isFinite, finalSpearman.isFinite else { return .undetermined }
        let ssimDrops = finalSSIM < thresholds.ssim, rankDrops = finalSpearman < thresholds.spearman
        if ssimDrops && rankDrops { return .passes }
        if !ssimDrops && !rankDrops { return .fails }
        return .inconclusive
    }

    /// Whether a map survives randomising the top layer group: its mean SSIM after the first cascade step
    /// stays at or above the SSIM threshold (Guided Backprop's behaviour in Adebayo et al.).
    public static func survivesTopLayer(firstStepSSIM: Double, thresholds: SanityThresholds) -> Bool {
        firstStepSSIM.isFinite && firstStepSSIM >= thresholds.ssim
    }

    /// Deletion/insertion: passes when the attribution order deletes faster (lower AUC) AND inserts faster
    /// (higher AUC) than the random order; fails when it does neither; inconclusive otherwise.
    public static func faithfulness(deletionAUC: Double, insertionAUC: Double, randomDeletionAUC: Double,
                                    randomInsertionAUC: Double) -> SanityOutcome {
        guard [deletionAUC, insertionAUC, randomDeletionAUC, randomInsertionAUC].allSatisfy(\.isFinite) else { return .undetermined }
        let deletes = deletionAUC < randomDeletionAUC, inserts = insertionAUC > randomInsertionAUC
        if deletes && inserts { return .passes }
        if !deletes && !inserts { return .fails }
        return .inconclusive
    }

    /// RandomLogit: passes (class-sensitive) when the mean SSIM to another class's map is below the threshold.
    public static func randomLogit(meanSSIM: Double, thresholds: SanityThresholds) -> SanityOutcome {
        guard meanSSIM.isFinite else { return .undetermined }
        return meanSSIM < thresholds.randomLogit ? .passes : .fails
    }

    /// Data randomisation: inconclusive when the shuffled-label model fit its labels less than `minFit` (train accuracy on
    /// them) or fewer than half of the images were scored; else passes when the mean Spearman ρ between the two models'
    /// maps is below `threshold` (the maps depend on the labels learned), fails when at or above.
    public static func dataRandomisation(meanSpearman: Double, fit: Double, minFit: Double, scored: Int, of total: Int,
                                         threshold: Double) -> SanityOutcome {
        if !(fit >= minFit) || EmptyMaps.tooFew(scored: scored, of: total) { return .inconclusive }
        guard meanSpearman.isFinite else { return .undetermined }
        return meanSpearman < threshold ? .passes : .fails
    }
}
