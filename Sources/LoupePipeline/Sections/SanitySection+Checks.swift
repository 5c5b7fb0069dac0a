import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// Per-method outcomes of the three checks, with the numbers behind them.
struct SanityMethodVerdict {
    var method: SanityMethod
    var randomisation: SanityOutcome
    var finalSSIM: Double
    var finalSpearman: Double
    /// Mean SSIM after randomising only the top layer group.
    var topSSIM: Double
    var faithfulness: SanityOutcome?
    var deletionAUC: Double
    var insertionAUC: Double
    var randomLogit: SanityOutcome?
    var randomLogitSSIM: Double
    /// Images with a non-empty map at the last cascade step (scored), of all images.
    var scored = 0
    var total = 0

    /// The box heading: the method and every test's verdict word, e.g. "Grad-CAM: randomisation passes · deletion/insertion fails".
    var headline: String {
        var parts = ["randomisation " + randomisation.word]
        if let faithfulness { parts.append("deletion/insertion " + faithfulness.word) }
        if let randomLogit { parts.append("RandomLogit " + randomLogit.word) }
        return SanityOptions.title(method) + ": " + parts.joined(separator: " · ")
    }

    /// NOTE when every test passes, WARNING when any fails, CAVEAT otherwise (or when the map survives the top layer).
    func calloutKind(survivesTop: Bool) -> String {
        let outcomes = [randomisation] + [faithfulness, randomLogit].compactMap { $0 }
        if outcomes.contains(.fails) { return "WARNING" }
        return outcomes.allSatisfy { $0 == .passes } && !survivesTop ? "NOTE" : "CAVEAT"
    }
}

extension SanitySection {
    /// Mean AUCs of a set of curves.
    static func meanAUC(_ curves: [PerturbationCurves]) -> (deletion: Double, insertion: Double) {
        (meanAndDeviation(curves.map(\.deletionAUC)).mean, meanAndDeviation(curves.map(\.insertionAUC)).mean)
    }

    /// The verdicts of every method.
    func verdicts(_ run: SanityRun) -> [SanityMethodVerdict] {
        let random = SanitySection.meanAUC(run.randomOrder)
        return run.randomisation.curves.map { curve in
            let last = curve.cascade.last ?? []
            let ssim = SanitySection.mean(last, "ssim"), rho = SanitySection.mean(last, "spearman_abs")
            let top = curve.cascade.count > 1 ? SanitySection.mean(curve.cascade[1], "ssim") : .nan
            let scored = last.count - SanitySection.emptyCount(last)
            var verdict = SanityMethodVerdict(method: curve.method,
                                              randomisation: SanityVerdict.randomisation(finalSSIM: ssim, finalSpearman: rho,
                                                                                         thresholds: options.thresholds,
                                                                                         scored: scored, of: last.count),
                                              finalSSIM: ssim, finalSpearman: rho, topSSIM: top, faithfulness: nil, deletionAUC: .nan,
                                              insertionAUC: .nan, randomLogit: nil, randomLogitSSIM: .nan, scored: scored, total: last.count)
            if let curves = run.faithfulness[curve.method] {
                let auc = SanitySection.meanAUC(curves)
                verdict.deletionAUC = auc.deletion
                verdict.insertionAUC = auc.insertion
                verdict.faithfulness = SanityVerdict.faithfulness(deletionAUC: auc.deletion, insertionAUC: auc.insertion,
                                                                  randomDeletionAUC: random.deletion, randomInsertionAUC: random.insertion)
                // Images with an empty original map have NaN curves: too few left and the verdict cannot stand.
                if EmptyMaps.tooFew(scored: curves.filter { $0.deletionAUC.isFinite }.count, of: curves.count) {
                    verdict.faithfulness = .inconclusive
                }
            }
            if let values = run.randomLogit[curve.method] {
                verdict.randomLogitSSIM = meanAndDeviation(values).mean
                verdict.randomLogit = SanityVerdict.randomLogit(meanSSIM: verdict.randomLogitSSIM, thresholds: options.thresholds)
                if EmptyMaps.tooFew(scored: values.filter(\.isFinite).count, of: values.count) { verdict.randomLogit = .inconclusive }
            }
            return verdict
        }
    }

    /// One callout per method: the randomisation verdict, then the faithfulness and RandomLogit lines.
    func verdictBlocks(_ run: SanityRun, templates: TemplateRenderer) throws -> [Block] {
        let random = SanitySection.meanAUC(run.randomOrder)
        var blocks = try templates.blocks("sanity_verdicts", context: [
            "ssim_threshold": String(format: "%.2f", options.thresholds.ssim),
            "spearman_threshold": String(format: "%.2f", options.thresholds.spearman),
            "random_logit_threshold": String(format: "%.2f", options.thresholds.randomLogit),
        ])
        func two(_ value: Double) -> String { FiniteText.format("%.2f", value) }
        func three(_ value: Double) -> String { FiniteText.format("%.3f", value) }
        let zeros = Double(run.images.scalars.filter { $0 == 0 }.count) / Double(max(run.images.count, 1))
        for verdict in verdicts(run) {
            let survivesTop = SanityVerdict.survivesTopLayer(firstStepSSIM: verdict.topSSIM, thresholds: options.thresholds)
            // Flat keys with true flags: a section then never reaches a same-named key of the outer context.
            var values: [String: Any] = [
                "kind": verdict.calloutKind(survivesTop: survivesTop), "headline": verdict.headline,
                "randomisation_" + verdict.randomisation.rawValue: true,
                "final_ssim": two(verdict.finalSSIM), "final_spearman": two(verdict.finalSpearman),
                "ssim_threshold": two(options.thresholds.ssim), "spearman_threshold": two(options.thresholds.spearman),
            ]
            if survivesTop { values["survives_top"] = true }
            if EmptyMaps.tooFew(scored: verdict.scored, of: verdict.total) {
                values["few_images"] = true
            }
            if verdict.scored < verdict.total {
                values["empty_count"] = Quantity.count.format(verdict.total - verdict.scored)
                values["empty_one"] = verdict.total - verdict.scored == 1
                values["scored"] = Quantity.count.format(verdict.scored)
                values["scored_one"] = verdict.scored == 1
                values["total_images"] = counted(verdict.total, "image")
                values["total_maps"] = counted(verdict.total, "map")
            }
            if verdict.topSSIM.isFinite {
                values["top"] = true
                values["top_step"] = stepLabel(run, 1)
                values["top_ssim"] = two(verdict.topSSIM)
            }
            if (verdict.method == .inputTimesGradient || verdict.method == .integratedGradients) && zeros >= 0.2 {
                values["zeros"] = true
                values["zeros_percent"] = String(format: "%.0f", zeros * 100)
            }
            if let outcome = verdict.faithfulness {
                values["faithfulness"] = true
                values["faithfulness_" + outcome.rawValue] = true
                values["deletion_auc"] = three(verdict.deletionAUC)
                values["insertion_auc"] = three(verdict.insertionAUC)
                values["random_deletion_auc"] = three(random.deletion)
                values["random_insertion_auc"] = three(random.insertion)
                if verdict.deletionAUC >= random.deletion { values["deletion_worse"] = true }
            }
            if let outcome = verdict.randomLogit {
                values["random_logit"] = true
                values["random_logit_" + outcome.rawValue] = true
                values["random_logit_ssim"] = two(verdict.randomLogitSSIM)
                values["random_logit_threshold"] = two(options.thresholds.randomLogit)
            }
            blocks += try templates.blocks("sanity_verdict", context: values)
        }
        return blocks
    }

    /// Mean deletion and insertion curves (with the random order dashed) and the AUC table.
    func faithfulnessBlocks(_ run: SanityRun, templates: TemplateRenderer) throws -> [Block] {
        var blocks = try templates.blocks("sanity_faithfulness", context: ["steps": counted(options.faithfulnessSteps, "step")])
        func meanCurve(_ curves: [PerturbationCurves], _ deletion: Bool) -> [(Double, Double)] {
            guard let fractions = curves.first?.fractions else { return [] }
            return fractions.indices.map { k in
                (fractions[k], meanAndDeviation(curves.map { deletion ? $0.deletion[k] : $0.insertion[k] }).mean)
            }
        }
        for deletion in [true, false] {
            var series = run.methods.compactMap { method in
                run.faithfulness[method].map { LineSeries(SanityOptions.title(method), points: meanCurve($0, deletion)) }
            }
            series.append(LineSeries("random order", points: meanCurve(run.randomOrder, deletion), dashed: true))
            blocks.append(.chart(Chart(.line(series: series, logY: false),
                                       title: deletion ? "Deletion: most important pixels removed first" : "Insertion: most important pixels restored first",
                                       xLabel: deletion ? "fraction of pixels removed" : "fraction of pixels restored",
                                       yLabel: "probability of the explained class", height: 175,
                                       caption: "Mean over \(counted(run.indices.count, "image")).")))
        }
        let auc = { (curves: [PerturbationCurves]) -> [TableCell] in
            let d = meanAndDeviation(curves.map(\.deletionAUC)), i = meanAndDeviation(curves.map(\.insertionAUC))
            return [.text(FiniteText.meanAndDeviation(d.mean, d.std, places: 3)), .text(FiniteText.meanAndDeviation(i.mean, i.std, places: 3))]
        }
        var rows = verdicts(run).compactMap { verdict -> [TableCell]? in
            guard let curves = run.faithfulness[verdict.method] else { return nil }
            return [.text(SanityOptions.title(verdict.method))] + auc(curves) + [.text(verdict.faithfulness?.word ?? "–")]
        }
        rows.append([.text("random order")] + auc(run.randomOrder) + [.text("reference")])
        blocks.append(.table(DataTable(columns: [TableColumn("Method", weight: 1.6), TableColumn("Deletion AUC (lower is better)", alignment: .right),
                                                 TableColumn("Insertion AUC (higher is better)", alignment: .right), TableColumn("Verdict")],
                                       rows: rows, caption: try templates.text("sanity_faithfulness_caption"))))
        return blocks
    }

    /// The RandomLogit table.
    func randomLogitBlocks(_ run: SanityRun, templates: TemplateRenderer) throws -> [Block] {
        var blocks = try templates.blocks("sanity_random_logit", context: [
            "threshold": String(format: "%.2f", options.thresholds.randomLogit),
        ])
        guard !run.randomLogit.isEmpty else {
            return blocks + [.text("RandomLogit needs at least two classes.")]
        }
        let rows: [[TableCell]] = verdicts(run).compactMap { verdict in
            guard let values = run.randomLogit[verdict.method] else { return nil }
            let (mean, std) = meanAndDeviation(values)
            let scored = values.filter(\.isFinite), empty = values.count - scored.count
            let meanText = FiniteText.meanAndDeviation(mean, std, places: 2) + (empty > 0 ? " (\(empty) empty)" : "")
            return [.text(SanityOptions.title(verdict.method)), .text(meanText),
                    .number(scored.min() ?? .nan), .number(scored.max() ?? .nan),
                    .text(verdict.randomLogit?.word ?? "–")]
        }
        blocks.append(.table(DataTable(columns: [TableColumn("Method", weight: 1.6), TableColumn("SSIM, mean ± sd", alignment: .right),
                                                 TableColumn("Min", alignment: .right, format: .decimal(places: 2)),
                                                 TableColumn("Max", alignment: .right, format: .decimal(places: 2)), TableColumn("Verdict", weight: 1.4)],
                                       rows: rows, caption: try templates.text("sanity_random_logit_caption"))))
        return blocks
    }
}
