import Foundation
import LoupeAnalysis
import LoupeReport

/// The data randomisation test's verdicts and spread: how much the two models' maps agree, and whether that says anything.
///
/// The test is weak when the shuffled-label model did not memorise its labels (accuracy on them below `minFit`):
/// such a model is little more than its random initialisation, so its maps differing from the original's says
/// that the weights differ, not that the method follows what was learned. Its verdicts are then inconclusive.
struct DataRandomisationVerdicts {
    let comparison: DataRandomisationComparison
    let fit: Double
    let minFit: Double
    /// Maps agree "too much" at or above this mean Spearman ρ (the sanity section's default threshold).
    let threshold = SanityThresholds().spearman

    var weak: Bool { !(fit >= minFit) }
    var saliencyMean: Double { meanAndDeviation(comparison.saliencySpearman).mean }
    var camMean: Double { meanAndDeviation(comparison.camSpearman).mean }

    var saliency: SanityOutcome { verdict(comparison.saliencySpearman, comparison.saliencyEmpty) }
    var cam: SanityOutcome { verdict(comparison.camSpearman, comparison.camEmpty) }

    func verdict(_ values: [Double], _ empty: [Bool]) -> SanityOutcome {
        SanityVerdict.dataRandomisation(meanSpearman: meanAndDeviation(values).mean, fit: fit, minFit: minFit,
                                        scored: empty.filter { !$0 }.count, of: empty.count, threshold: threshold)
    }

    /// "min 0.02, median 0.10, max 0.90 over 6 images".
    func spreadText(_ values: [Double]) -> String? {
        guard let spread = Spread(values) else { return nil }
        let f = Quantity.similarity
        return "min \(f.format(spread.min)), median \(f.format(spread.median)), max \(f.format(spread.max)) over \(counted(spread.count, "image"))"
    }

    /// "2 of 6 Grad-CAM pairs were empty ..." or nil when no map was empty.
    func emptyText(_ hasCAM: Bool) -> String? {
        let parts = [("saliency", comparison.saliencyEmpty), ("Grad-CAM", hasCAM ? comparison.camEmpty : [])].compactMap { name, flags in
            let n = flags.filter { $0 }.count
            return n > 0 ? "\(n) of \(counted(flags.count, "\(name) pair"))" : nil
        }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }

    /// Rows per measure: images scored, empty, mean, min, quartiles, max.
    func spreadTable(cam: Bool) -> DataTable {
        var measures = [("Saliency ρ", comparison.saliencySpearman, comparison.saliencyEmpty),
                        ("Saliency SSIM", comparison.saliencySSIM, comparison.saliencyEmpty)]
        if cam {
            measures += [("Grad-CAM ρ", comparison.camSpearman, comparison.camEmpty),
                         ("Grad-CAM SSIM", comparison.camSSIM, comparison.camEmpty)]
        }
        let rows: [[TableCell]] = measures.map { name, values, empty in
            let spread = Spread(values)
            let numbers = [meanAndDeviation(values).mean, spread?.min, spread?.lowerQuartile, spread?.median, spread?.upperQuartile, spread?.max]
            return [.text(name), .number(Double(spread?.count ?? 0)), .number(Double(empty.filter { $0 }.count))]
                + numbers.map { $0.map { TableCell.number($0) } ?? .text("–") }
        }
        let value = { (title: String) in TableColumn(title, alignment: .right, format: Quantity.similarity.numberFormat) }
        return DataTable(columns: [TableColumn("Measure", weight: 1.6), TableColumn("Scored", alignment: .right, format: Quantity.count.numberFormat),
                                   TableColumn("Empty", alignment: .right, format: Quantity.count.numberFormat),
                                   value("Mean"), value("Min"), value("Q1"), value("Median"), value("Q3"), value("Max")],
                         rows: rows,
                         caption: "Spread of the per-image similarities between the original and the shuffled-label model's maps. Empty pairs (a map all zero or constant) are not scored; the mean hides single images whose maps still agree.")
    }
}
