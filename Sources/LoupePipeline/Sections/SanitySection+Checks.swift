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
            var verdict = SanityMethodVerdict(method: curve.method,
                                              randomisation: SanityVerdict.randomisation(finalSSIM: ssim, finalSpearman: rho,
                                                                                         thresholds: options.thresholds),
                                              finalSSIM: ssim, finalSpearman: rho, topSSIM: top, faithfulness: nil, deletionAUC: .nan,
                                              insertionAUC: .nan, randomLogit: nil, randomLogitSSIM: .nan)
            if let curves = run.faithfulness[curve.method] {
                let auc = SanitySection.meanAUC(curves)
                verdict.deletionAUC = auc.deletion
                verdict.insertionAUC = auc.insertion
                verdict.faithfulness = SanityVerdict.faithfulness(deletionAUC: auc.deletion, insertionAUC: auc.insertion,
                                                                  randomDeletionAUC: random.deletion, randomInsertionAUC: random.insertion)
            }
            if let values = run.randomLogit[curve.method] {
                verdict.randomLogitSSIM = meanAndDeviation(values).mean
                verdict.randomLogit = SanityVerdict.randomLogit(meanSSIM: verdict.randomLogitSSIM, thresholds: options.thresholds)
            }
            return verdict
        }
    }

    /// One callout per method: the randomisation verdict, then the faithfulness and RandomLogit lines.
    func verdictBlocks(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        let random = SanitySection.meanAUC(run.randomOrder)
        var blocks = try context.templates.blocks("sanity_verdicts", context: [
            "ssim_threshold": String(format: "%.2f", options.thresholds.ssim),
            "spearman_threshold": String(format: "%.2f", options.thresholds.spearman),
            "random_logit_threshold": String(format: "%.2f", options.thresholds.randomLogit),
        ])
        for verdict in verdicts(run) {
            var body = [TextRun(SanityVerdict.randomisationSentence(verdict.randomisation, finalSSIM: verdict.finalSSIM,
                                                                    finalSpearman: verdict.finalSpearman, thresholds: options.thresholds))]
            let survivesTop = SanityVerdict.survivesTopLayer(firstStepSSIM: verdict.topSSIM, thresholds: options.thresholds)
            if verdict.topSSIM.isFinite {
                body.append(TextRun(String(format: " After randomising only the top layer group (%@) the SSIM is %.2f", stepLabel(run, 1), verdict.topSSIM)
                                    + (survivesTop ? String(format: ", at or above %.2f: the map ignores the classifier's top weights.", options.thresholds.ssim)
                                       : ".")))
            }
            let zeros = Double(run.images.scalars.filter { $0 == 0 }.count) / Double(max(run.images.count, 1))
            if (verdict.method == .inputTimesGradient || verdict.method == .integratedGradients) && zeros >= 0.2 {
                body.append(TextRun(" " + (try context.templates.text("sanity_zero_inputs", ["percent": String(format: "%.0f", zeros * 100)]))))
            }
            if let outcome = verdict.faithfulness {
                let text: String
                switch outcome {
                case .passes: text = "ranking by the map removes evidence faster and restores it faster than a random order"
                case .fails: text = "ranking by the map is no better than a random order"
                case .mixed: text = "ranking by the map beats a random order in only one of the two curves"
                case .undetermined: text = "the curves could not be computed"
                }
                body.append(TextRun(String(format: " Deletion/insertion: %@ (AUC %.3f / %.3f vs random %.3f / %.3f).",
                                           text, verdict.deletionAUC, verdict.insertionAUC, random.deletion, random.insertion)))
            }
            if let outcome = verdict.randomLogit {
                let text = outcome == .passes ? "class-sensitive" : outcome == .fails ? "hardly class-sensitive" : "undetermined"
                body.append(TextRun(String(format: " RandomLogit: %@ (SSIM %.2f to the map of a random other class; threshold %.2f).",
                                           text, verdict.randomLogitSSIM, options.thresholds.randomLogit)))
            }
            var kind: Callout.Kind = verdict.randomisation == .passes ? .note : verdict.randomisation == .fails ? .warning : .caveat
            var word: String
            switch verdict.randomisation {
            case .passes where survivesTop:
                word = "passes the randomisation test only once lower layers are randomised"
                kind = .caveat
            case .passes: word = "passes the randomisation test"
            case .fails: word = "fails the randomisation test"
            case .mixed: word = "randomisation test inconclusive"
            case .undetermined: word = "randomisation test undetermined"
            }
            blocks.append(.callout(Callout(kind, title: "\(SanityOptions.title(verdict.method)): \(word)", body: body)))
        }
        return blocks
    }

    /// Mean deletion and insertion curves (with the random order dashed) and the AUC table.
    func faithfulnessBlocks(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        var blocks = try context.templates.blocks("sanity_faithfulness", context: ["steps": options.faithfulnessSteps])
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
                                       caption: "Mean over \(run.indices.count) images.")))
        }
        let auc = { (curves: [PerturbationCurves]) -> [TableCell] in
            let d = meanAndDeviation(curves.map(\.deletionAUC)), i = meanAndDeviation(curves.map(\.insertionAUC))
            return [.text(String(format: "%.3f ± %.3f", d.mean, d.std)), .text(String(format: "%.3f ± %.3f", i.mean, i.std))]
        }
        var rows = verdicts(run).compactMap { verdict -> [TableCell]? in
            guard let curves = run.faithfulness[verdict.method] else { return nil }
            return [.text(SanityOptions.title(verdict.method))] + auc(curves) + [.text(verdict.faithfulness?.rawValue ?? "–")]
        }
        rows.append([.text("random order")] + auc(run.randomOrder) + [.text("reference")])
        blocks.append(.table(DataTable(columns: [TableColumn("Method", weight: 1.6), TableColumn("Deletion AUC (lower is better)", alignment: .right),
                                                 TableColumn("Insertion AUC (higher is better)", alignment: .right), TableColumn("Verdict")],
                                       rows: rows, caption: try context.templates.text("sanity_faithfulness_caption"))))
        return blocks
    }

    /// The RandomLogit table.
    func randomLogitBlocks(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        var blocks = try context.templates.blocks("sanity_random_logit", context: [
            "threshold": String(format: "%.2f", options.thresholds.randomLogit),
        ])
        guard !run.randomLogit.isEmpty else {
            return blocks + [.text("RandomLogit needs at least two classes.")]
        }
        let rows: [[TableCell]] = verdicts(run).compactMap { verdict in
            guard let values = run.randomLogit[verdict.method] else { return nil }
            let (mean, std) = meanAndDeviation(values)
            return [.text(SanityOptions.title(verdict.method)), .text(String(format: "%.2f ± %.2f", mean, std)),
                    .number(values.min() ?? .nan), .number(values.max() ?? .nan),
                    .text(verdict.randomLogit == .passes ? "class-sensitive" : "hardly class-sensitive")]
        }
        blocks.append(.table(DataTable(columns: [TableColumn("Method", weight: 1.6), TableColumn("SSIM, mean ± sd", alignment: .right),
                                                 TableColumn("Min", alignment: .right, format: .decimal(places: 2)),
                                                 TableColumn("Max", alignment: .right, format: .decimal(places: 2)), TableColumn("Verdict", weight: 1.4)],
                                       rows: rows, caption: try context.templates.text("sanity_random_logit_caption"))))
        return blocks
    }
}
