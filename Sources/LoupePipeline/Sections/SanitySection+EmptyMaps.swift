import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension SanitySection {
    /// Marks images whose original map is empty (all zero or constant, e.g. a blank Grad-CAM) as unscored at every step.
    ///
    /// An empty map compared with an empty map scores as "unchanged" and one compared with any other map
    /// as "changed", whatever the model learned; either way it says nothing about the method. Their scores
    /// become `SimilarityScores.emptyPair` (NaN, left out of every mean; rows stay aligned with the images).
    /// Maps that only become empty after randomisation are marked by `MapComparison.compare` itself. The
    /// count per method goes into `notes` (shown on the sanity pages) and into summary.json as `empty_maps`.
    static func withoutEmptyMaps(_ run: SanityRun, notes: inout [Block]) -> SanityRun {
        var copy = run
        var counts = [(SanityMethod, Int)]()
        var named = [String]()
        for (c, curve) in run.randomisation.curves.enumerated() {
            guard let original = run.randomisation.originals[curve.method], original.shape.count == 4, original.shape[0] > 0 else { continue }
            let empty = Set(EmptyMaps.rows(original).enumerated().filter(\.element).map(\.offset))
            guard !empty.isEmpty else { continue }
            counts.append((curve.method, empty.count))
            // Name the images the count is about (dataset indices).
            let images = empty.sorted().compactMap { $0 < run.indices.count ? "#\(run.indices[$0])" : nil }.joined(separator: ", ")
            named.append("\(SanityOptions.title(curve.method)): \(empty.count) of \(run.indices.count) (\(images))")
            func mark(_ scores: [SimilarityScores]) -> [SimilarityScores] {
                scores.enumerated().map { empty.contains($0.offset) ? .emptyPair : $0.element }
            }
            copy.randomisation.curves[c].cascade = curve.cascade.map(mark)
            copy.randomisation.curves[c].independent = curve.independent.map(mark)
            // No ranking to delete by: the image's curves become NaN and drop out of the mean curves and AUCs.
            if var curves = run.faithfulness[curve.method] {
                for i in empty where i < curves.count {
                    curves[i].deletion = curves[i].deletion.map { _ in .nan }
                    curves[i].insertion = curves[i].insertion.map { _ in .nan }
                }
                copy.faithfulness[curve.method] = curves
            }
        }
        copy.emptyMaps = counts.map { ($0.0.rawValue, $0.1) }
        if !counts.isEmpty {
            let list = named.joined(separator: "; ")
            notes.append(.callout(Callout(.caveat, title: "Empty attribution maps left out", body: [
                TextRun("Some methods gave an empty map (all zero or constant) on the original model (\(list)). Those images are left out of the randomisation scores (SSIM, Spearman, HOG), the deletion/insertion curves and RandomLogit, and count as empty in the tables: an empty map cannot show whether the method depends on the weights. A verdict that rests on fewer than half of the images is inconclusive."),
            ])))
        }
        return copy
    }

    /// How many pairs of one step were empty (not scored).
    static func emptyCount(_ scores: [SimilarityScores]) -> Int { scores.filter(\.empty).count }

}
