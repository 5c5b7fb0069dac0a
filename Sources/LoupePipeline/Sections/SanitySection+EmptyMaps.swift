import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension SanitySection {
    /// Leaves images whose original map is empty (all zero, e.g. a blank Grad-CAM) out of the randomisation scores.
    ///
    /// An empty map compared with an empty map scores as "unchanged" and one compared with any other map
    /// as "changed", whatever the model learned; either way it says nothing about the method. The count per
    /// method goes into `notes` (shown on the sanity pages) and into summary.json as `empty_maps`.
    static func withoutEmptyMaps(_ run: SanityRun, notes: inout [Block]) -> SanityRun {
        var copy = run
        var counts = [(SanityMethod, Int)]()
        for (c, curve) in run.randomisation.curves.enumerated() {
            guard let original = run.randomisation.originals[curve.method], original.shape.count == 4, original.shape[0] > 0 else { continue }
            let rows = original.shape[0], size = original.scalars.count / rows
            let empty = Set((0..<rows).filter { r in !original.scalars[(r * size)..<((r + 1) * size)].contains { $0 != 0 } })
            guard !empty.isEmpty else { continue }
            counts.append((curve.method, empty.count))
            func keep(_ scores: [SimilarityScores]) -> [SimilarityScores] {
                scores.enumerated().filter { !empty.contains($0.offset) }.map(\.element)
            }
            copy.randomisation.curves[c].cascade = curve.cascade.map(keep)
            copy.randomisation.curves[c].independent = curve.independent.map(keep)
        }
        copy.emptyMaps = counts.map { ($0.0.rawValue, $0.1) }
        if !counts.isEmpty {
            let list = counts.map { "\($0.0.rawValue): \($0.1) of \(run.indices.count)" }.joined(separator: ", ")
            notes.append(.callout(Callout(.caveat, title: "Empty attribution maps left out", body: [
                TextRun("Some methods gave an all-zero map on the original model (\(list)). Those images are left out of the randomisation scores (SSIM, Spearman, HOG) and of their verdicts: an empty map cannot show whether the method depends on the weights."),
            ])))
        }
        return copy
    }
}
