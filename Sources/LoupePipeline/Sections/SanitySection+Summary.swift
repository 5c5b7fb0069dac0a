import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension SanitySection {
    /// Every number the sanity pages show, for summary.json (timings are added by `make`).
    func summary(_ run: SanityRun) -> SummaryValue {
        let result = run.randomisation
        let layers: [SummaryValue] = result.layers.map { layer in
            .object([("name", .text(layer.name)), ("op", .text(layer.opType)),
                     ("parameters", .list(layer.parameters.map { .text($0.name) })),
                     ("schemes", .list(layer.parameters.map { .text(SanitySection.schemeText($0.scheme)) }))])
        }
        // Empty pairs are null in per_image, left out of mean/std, and counted per step in `empty`.
        func measures(_ steps: [[SimilarityScores]]) -> SummaryValue {
            .object(SimilarityScores.keys.map { key in
                let stats = steps.map { meanAndDeviation($0.map { $0.value(key) }) }
                return (key, .object([("mean", .numbers(stats.map(\.mean))), ("std", .numbers(stats.map(\.std))),
                                      ("per_image", .list(steps.map { step in .numbers(step.map { $0.value(key) }) }))]))
            } + [("empty", .list(steps.map { .integer(SanitySection.emptyCount($0)) }))])
        }
        let cascading = SummaryValue.object(result.curves.map { ($0.method.rawValue, measures($0.cascade)) })
        let independent = SummaryValue.object(result.curves.map { ($0.method.rawValue, measures($0.independent)) })
        func curveNumbers(_ curves: [PerturbationCurves]) -> SummaryValue {
            let d = meanAndDeviation(curves.map(\.deletionAUC)), i = meanAndDeviation(curves.map(\.insertionAUC))
            let points = curves.first?.fractions.count ?? 0
            return .object([
                ("deletion_auc", .number(d.mean)), ("deletion_auc_std", .number(d.std)),
                ("insertion_auc", .number(i.mean)), ("insertion_auc_std", .number(i.std)),
                ("deletion_auc_per_image", .numbers(curves.map(\.deletionAUC))),
                ("insertion_auc_per_image", .numbers(curves.map(\.insertionAUC))),
                ("deletion_curve", .numbers((0..<points).map { k in meanAndDeviation(curves.map { $0.deletion[k] }).mean })),
                ("insertion_curve", .numbers((0..<points).map { k in meanAndDeviation(curves.map { $0.insertion[k] }).mean })),
                ("empty", .integer(curves.filter { !$0.deletionAUC.isFinite }.count)),
            ])
        }
        var faithfulness = [(String, SummaryValue)]()
        if options.faithfulnessSteps > 0 {
            faithfulness = run.methods.compactMap { m in run.faithfulness[m].map { (m.rawValue, curveNumbers($0)) } }
            faithfulness.append(("random_order", curveNumbers(run.randomOrder)))
            faithfulness.insert(("fractions", .numbers(run.randomOrder.first?.fractions ?? [])), at: 0)
            faithfulness.insert(("baseline", .text("per-image minimum of the input (Quantus \"black\")")), at: 0)
        }
        var randomLogit: [(String, SummaryValue)] = [("other_classes", .list(run.otherClasses.map { .integer($0) })),
                                                     ("target", .text("true label"))]
        randomLogit += run.methods.compactMap { method in
            run.randomLogit[method].map { values in
                let (mean, std) = meanAndDeviation(values)
                return (method.rawValue, .object([("ssim_mean", .number(mean)), ("ssim_std", .number(std)), ("per_image", .numbers(values)),
                                                  ("empty", .integer(values.filter { !$0.isFinite }.count))]))
            }
        }
        let settings = SummaryValue.object([
            ("ig_steps", .integer(run.settings.integratedGradientsSteps)), ("smoothgrad_samples", .integer(run.settings.smoothGradSamples)),
            ("smoothgrad_noise", .number(options.smoothGradNoise)), ("cam_layer", run.settings.camLayer.map { .text($0) } ?? .text("")),
            ("hog_cell", .integer(result.hogCell)), ("max_steps", .integer(options.maxSteps)),
            ("independent", .flag(options.independent)), ("faithfulness_steps", .integer(options.faithfulnessSteps)),
            ("random_logit", .flag(options.randomLogit)), ("target", .text("predicted class of the original model")),
        ])
        let thresholds = SummaryValue.object([
            ("ssim", .number(options.thresholds.ssim)), ("spearman_abs", .number(options.thresholds.spearman)),
            ("random_logit_ssim", .number(options.thresholds.randomLogit)),
            ("rule", .text("randomisation passes when both final means are below their thresholds, fails when both are at or above, else inconclusive, and inconclusive too when fewer than half of the images have a non-empty map (empty maps: all zero or constant, left out of every mean); a map whose SSIM after randomising only the top layer group stays at or above the SSIM threshold is flagged (survives_top_layer); deletion/insertion passes when both AUCs beat the random order, fails when neither does, else inconclusive; RandomLogit passes when the mean SSIM is below its threshold")),
        ])
        return .object([
            ("images", .list(run.indices.map { .integer($0) })), ("labels", .list(run.labels.map { .integer($0) })),
            ("targets", .list(run.targets.map { .integer($0) })), ("methods", .list(run.methods.map { .text($0.rawValue) })),
            ("layers", .list(layers)),
            ("steps", .list(result.groups.map { group in .list(group.map { .text(result.layers[$0].name) }) })),
            ("settings", settings), ("thresholds", thresholds),
            ("cascading", cascading), ("independent", options.independent ? independent : .object([])),
            ("faithfulness", .object(faithfulness)), ("random_logit", options.randomLogit ? .object(randomLogit) : .object([])),
            ("verdicts", verdictNumbers(run)),
        ])
    }

    /// The verdicts for summary.json, in the same words as the verdict boxes' headings.
    func verdictNumbers(_ run: SanityRun) -> SummaryValue {
        .object(verdicts(run).map { v in
            (v.method.rawValue, .object([
                ("randomisation", .text(v.randomisation.word)), ("heading", .text(v.headline)),
                ("scored_images", .integer(v.scored)), ("images", .integer(v.total)), ("final_ssim", .number(v.finalSSIM)),
                ("final_spearman_abs", .number(v.finalSpearman)), ("top_layer_ssim", .number(v.topSSIM)),
                ("survives_top_layer", .flag(SanityVerdict.survivesTopLayer(firstStepSSIM: v.topSSIM, thresholds: options.thresholds))),
                ("faithfulness", v.faithfulness.map { .text($0.word) } ?? .text("not run")),
                ("random_logit", v.randomLogit.map { .text($0.word) } ?? .text("not run")),
                ("random_logit_ssim", .number(v.randomLogitSSIM)),
            ]))
        })
    }
}
