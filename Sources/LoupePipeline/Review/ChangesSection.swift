import Foundation
import LoupeAnalysis
import LoupeReport

/// The "Changes" section: what changed from the baseline run, with intervals and tests on the same images.
enum ChangesSection {
    static let title = "Changes since the baseline"

    /// The report section for a comparison.
    static func section(_ c: RunComparison) -> Section {
        var blocks = [Block]()
        blocks.append(.keyValue([
            ("Baseline run", "\(c.before.runID) (\(c.before.modelName), model \(c.before.modelHash.prefix(12)))"),
            ("This run", "\(c.after.runID) (\(c.after.modelName), model \(c.after.modelHash.prefix(12)))"),
            ("Model", c.before.modelHash == c.after.modelHash ? "unchanged (same SHA-256)" : "changed"),
            ("Images", c.sameImages ? "the same \(counted(c.after.predictions.count, "image"))" : "different (see the box below)"),
        ]))
        if !c.differences.isEmpty {
            blocks.append(.callout(Callout(.warning, title: "Not a comparison of models on the same images", body: [
                TextRun("The two runs were not scored on the same images: " + c.differences.joined(separator: "; ") + ". "),
                TextRun(c.sameImages
                        ? "Accuracy and attributions are compared on the same images; the robustness cells are not, and no relative corruption error is printed."
                        : "Only each run's own headline numbers are shown below; no paired test, no interval of a difference and no relative corruption error is computed from different images."),
            ])))
        }
        blocks += accuracyBlocks(c)
        blocks += robustnessBlocks(c)
        blocks += calibrationBlocks(c)
        blocks += driftBlocks(c)
        blocks += beforeAfterBlocks(c)
        return Section(title: title, anchor: "changes", blocks: blocks)
    }

    static func accuracyBlocks(_ c: RunComparison) -> [Block] {
        var blocks: [Block] = [.heading("Accuracy", level: 2)]
        let accuracyBefore = c.before.summary["summary"]?["accuracy"]?.doubleValue ?? .nan
        let accuracyAfter = c.after.summary["summary"]?["accuracy"]?.doubleValue ?? .nan
        guard let paired = c.accuracy else {
            blocks.append(.keyValue([("Accuracy, baseline run", pct(accuracyBefore)), ("Accuracy, this run", pct(accuracyAfter))]))
            return blocks
        }
        blocks.append(.paragraph([
            TextRun("Accuracy went from \(pct(accuracyBefore)) to \(pct(accuracyAfter)): "),
            TextRun.bold(verdict(paired)), TextRun(". \(counted(paired.rightToWrong, "image")) turned from right to wrong and \(Quantity.count.format(paired.wrongToRight)) from wrong to right; McNemar's exact test uses only those images."),
        ]))
        let columns = [TableColumn("Class", weight: 1.6), TableColumn("Images", alignment: .right, format: .integer, weight: 1.0),
                       TableColumn("Before", alignment: .right, format: .percent(places: 1)),
                       TableColumn("After", alignment: .right, format: .percent(places: 1)),
                       TableColumn("Change", alignment: .right, format: .percent(places: 1)),
                       TableColumn("95 % interval", alignment: .right, weight: 2.1),
                       TableColumn("McNemar p", alignment: .right, format: .decimal(places: 3), weight: 1.2), TableColumn("Verdict", weight: 1.5)]
        var rows: [[TableCell]] = [[.text("all classes"), .number(Double(paired.count)), .number(accuracyBefore), .number(accuracyAfter),
                                    .number(paired.difference), .text(interval(paired)), .number(paired.pValue), .text(verdict(paired))]]
        for k in c.perClass {
            rows.append([.text(k.name), .number(Double(k.images)), .number(k.before), .number(k.after), .number(k.comparison.difference),
                         .text(interval(k.comparison)), .number(k.comparison.pValue), .text(verdict(k.comparison))])
        }
        blocks.append(.table(DataTable(columns: columns, rows: rows,
                                       caption: "Accuracy on the same images: change with its 95 % interval (paired Wald) and McNemar's exact p-value.")))
        if !c.flipped.isEmpty {
            blocks.append(.heading("Images that changed", level: 2))
            let shown = c.flipped.prefix(24)
            blocks.append(.table(DataTable(columns: [
                TableColumn("Image", alignment: .right, format: .integer, weight: 0.7), TableColumn("Source", weight: 1.6, monospace: true),
                TableColumn("Change", weight: 1.3), TableColumn("Label", alignment: .right, format: .integer, weight: 0.7),
                TableColumn("Before → after", weight: 1.2),
                TableColumn("p(true) before", alignment: .right, format: .percent(places: 1)),
                TableColumn("p(true) after", alignment: .right, format: .percent(places: 1)),
            ], rows: shown.map { f in
                [.number(Double(f.index)), .text(f.source), .text(f.rightToWrong ? "right → wrong" : "wrong → right"),
                 .number(Double(f.label)), .text("\(f.predictionBefore) → \(f.predictionAfter)"),
                 .number(f.probabilityBefore), .number(f.probabilityAfter)]
            }, caption: "The \(shown.count) of \(c.flipped.count) flipped images with the largest change in true-class probability.")))
        }
        return blocks
    }

    static func robustnessBlocks(_ c: RunComparison) -> [Block] {
        guard c.before.robustness != nil || c.after.robustness != nil else { return [] }
        var blocks: [Block] = [.heading("Robustness", level: 2)]
        guard c.sameCorruptions, let mean = c.meanCorruptionError else {
            let a = c.before.summary["robustness"]?["mean_error_unnormalised"]?.doubleValue ?? .nan
            let b = c.after.summary["robustness"]?["mean_error_unnormalised"]?.doubleValue ?? .nan
            blocks.append(.text("The robustness cells were not scored on the same images, so they are not compared cell by cell and no relative corruption error is given. Each run's own mean corruption error (unnormalised): baseline \(pct(a)), this run \(pct(b))."))
            return blocks
        }
        let regressions = c.cells.filter(\.regression)
        blocks.append(.paragraph([
            TextRun("Mean corruption error (unnormalised) went from \(pct(mean.before)) to \(pct(mean.after)). "),
            TextRun.bold(regressions.isEmpty ? "No cell is a significant regression"
                          : counted(regressions.count, "cell", verb: ("is a significant regression", "are significant regressions"))),
            TextRun(" after Holm's correction over the \(counted(c.cells.count, "cell")) (family-wise 5 %)."),
        ]))
        let relative = c.relativeCorruptionErrors
        if !relative.isEmpty {
            blocks.append(.keyValue([("Relative mCE (this run's errors / the baseline's, mean over corruptions)",
                                      pct(relative.map(\.ratio).reduce(0, +) / Double(relative.count)))]))
        }
        let shown = c.cells.sorted { $0.comparison.difference < $1.comparison.difference }.prefix(15)
        blocks.append(.table(DataTable(columns: [
            TableColumn("Cell", weight: 1.8), TableColumn("Before", alignment: .right, format: .percent(places: 1)),
            TableColumn("After", alignment: .right, format: .percent(places: 1)),
            TableColumn("Change", alignment: .right, format: .percent(places: 1)), TableColumn("95 % interval", alignment: .right, weight: 1.6),
            TableColumn("Holm p", alignment: .right, format: .decimal(places: 3)), TableColumn("Verdict", weight: 1.3),
        ], rows: shown.map { cell in
            [.text(cell.cell), .number(cell.before), .number(cell.after), .number(cell.comparison.difference),
             .text(interval(cell.comparison)), .number(cell.adjustedP),
             .text(cell.regression ? "regression" : (cell.adjustedP < 0.05 ? "improvement" : "not significant"))]
        }, caption: "The \(counted(shown.count, "cell")) that changed most (of \(c.cells.count)); p-values are McNemar's exact test, Holm-adjusted across all cells.")))
        return blocks
    }

    static func calibrationBlocks(_ c: RunComparison) -> [Block] {
        guard let e = c.calibration else { return [] }
        return [.heading("Calibration", level: 2), .keyValue([
            ("ECE (all images), baseline run", "\(pct(e.before)) (95 % bootstrap interval \(pct(e.beforeInterval.0)) to \(pct(e.beforeInterval.1)))"),
            ("ECE (all images), this run", "\(pct(e.after)) (95 % bootstrap interval \(pct(e.afterInterval.0)) to \(pct(e.afterInterval.1)))"),
            ("Change", "\(signedPct(e.after - e.before)) (95 % interval \(signedPct(e.differenceInterval.0)) to \(signedPct(e.differenceInterval.1)); same resamples for both runs, seeded)"),
        ])]
    }

    static func driftBlocks(_ c: RunComparison) -> [Block] {
        guard !c.drift.isEmpty else {
            guard c.sameImages, FileManager.default.fileExists(atPath: c.before.folder + "/" + RunRecords.attributionsFolder) else { return [] }
            return [.heading("Attribution drift", level: 2),
                    .text("The two runs' attribution galleries show different images (each gallery mixes right and wrong predictions of its own model), so their maps are not compared.")]
        }
        let figure = RunComparison.driftFigure(c.before.folder, c.after.folder, methods: c.drift.map(\.method)).map { [Block.figure($0)] } ?? []
        return [.heading("Attribution drift", level: 2),
                .text("The gradients gallery's images are the same in both runs; each method's maps are compared image by image (SSIM on the display maps, range 1, and Spearman rank correlation). 1.0 means unchanged."),
                .table(DataTable(columns: [TableColumn("Method", weight: 2), TableColumn("Images", alignment: .right, format: .integer),
                                           TableColumn("SSIM", alignment: .right, format: .decimal(places: 3)),
                                           TableColumn("Spearman", alignment: .right, format: .decimal(places: 3))],
                                 rows: c.drift.map { [.text($0.method), .number(Double($0.images)), .number($0.ssim), .number($0.spearman)] },
                                 caption: "Mean similarity of the two runs' attribution maps."))] + figure
    }

    static func beforeAfterBlocks(_ c: RunComparison) -> [Block] {
        var blocks = [Block]()
        if !c.weights.isEmpty {
            blocks.append(.heading("Weights", level: 2))
            let changed = c.weights.filter { $0.relativeChange > 0 }.count
            blocks.append(.text(changed == 0 ? "The two models hold the same weights." : "\(changed) of \(c.weights.count) parameter tensors changed; relative change = ‖after − before‖ / ‖before‖."))
            blocks.append(.table(DataTable(columns: [TableColumn("Parameter", weight: 2.4, monospace: true),
                                                     TableColumn("Relative change", alignment: .right, format: .percent(places: 1))],
                                           rows: c.weights.map { [.text($0.parameter), .number($0.relativeChange)] },
                                           caption: "Weights present in both graphs with the same shape.")))
            if let figure = RunComparison.firstLayerFigure(beforeModel: c.before.modelPath, afterModel: c.after.modelPath) {
                blocks.append(.figure(figure))
            }
        }
        let knn = knnByDepth(c)
        if !knn.before.isEmpty || !knn.after.isEmpty {
            blocks.append(.heading("k-NN accuracy by depth", level: 2))
            blocks.append(.chart(Chart(.line(series: [LineSeries("baseline run", points: knn.before, dashed: true),
                                                      LineSeries("this run", points: knn.after)], logY: false),
                                       title: "k-NN accuracy of the embeddings' layers (input first)", xLabel: "layer (input = 1)",
                                       yLabel: "k-NN accuracy", height: 170,
                                       caption: "Layers: " + knn.names.joined(separator: ", ") + ".", yCovers: [0, 1])))
        }
        if !c.deadChannels.isEmpty {
            blocks.append(.heading("Dead channels and sanity verdicts", level: 2))
            blocks.append(.table(DataTable(columns: [TableColumn("Layer", weight: 2.4, monospace: true),
                                                     TableColumn("Dead before", alignment: .right), TableColumn("Dead after", alignment: .right)],
                                           rows: c.deadChannels.map { [.text($0.layer), .text($0.before.map(String.init) ?? "–"), .text($0.after.map(String.init) ?? "–")] },
                                           caption: "Dead channels (never active on the dataset) per scanned layer.")))
        }
        if !c.sanity.isEmpty {
            if c.deadChannels.isEmpty { blocks.append(.heading("Sanity verdicts", level: 2)) }
            blocks.append(.table(DataTable(columns: [TableColumn("Method", weight: 2), TableColumn("Before"), TableColumn("After")],
                                           rows: c.sanity.map { [.text($0.method), .text($0.before), .text($0.after)] },
                                           caption: "Model randomisation verdicts.")))
        }
        return blocks
    }

    /// k-NN accuracy of each embeddings layer, in the order the runs list them, before and after.
    static func knnByDepth(_ c: RunComparison) -> (before: [(Double, Double)], after: [(Double, Double)], names: [String]) {
        func points(_ s: SummaryValue) -> [(String, Double)] {
            (s["embeddings"]?["layers"]?.listValue ?? []).compactMap { layer in
                guard let name = layer["name"]?.textValue, let value = layer["knn_accuracy_original"]?.doubleValue, value.isFinite else { return nil }
                return (name, value)
            }
        }
        let a = points(c.before.summary), b = points(c.after.summary)
        return (a.enumerated().map { (Double($0.offset + 1), $0.element.1) }, b.enumerated().map { (Double($0.offset + 1), $0.element.1) },
                (b.isEmpty ? a : b).map(\.0))
    }

    /// summary.json's `changes` entry.
    static func numbers(_ c: RunComparison) -> SummaryValue {
        func paired(_ p: PairedComparison) -> SummaryValue {
            .object([("images", .integer(p.count)), ("right_to_wrong", .integer(p.rightToWrong)), ("wrong_to_right", .integer(p.wrongToRight)),
                     ("difference", .number(p.difference)), ("lower", .number(p.lower)), ("upper", .number(p.upper)),
                     ("mcnemar_p", .number(p.pValue)), ("significant", .flag(p.significant()))])
        }
        var entries: [(String, SummaryValue)] = [
            ("baseline_run", .text(c.before.runID)), ("baseline_folder", .text(c.before.folder)),
            ("same_images", .flag(c.sameImages)), ("same_corruptions", .flag(c.sameCorruptions)),
            ("differences", .list(c.differences.map { .text($0) })),
        ]
        if let a = c.accuracy { entries.append(("accuracy", paired(a))) }
        entries.append(("per_class", .list(c.perClass.map { .object([("class", .text($0.name)), ("change", paired($0.comparison))]) })))
        entries.append(("flipped", .integer(c.flipped.count)))
        entries.append(("cells", .list(c.cells.map { cell in
            .object([("cell", .text(cell.cell)), ("before", .number(cell.before)), ("after", .number(cell.after)),
                     ("change", paired(cell.comparison)), ("holm_p", .number(cell.adjustedP)), ("regression", .flag(cell.regression))])
        })))
        if let m = c.meanCorruptionError { entries.append(("mean_corruption_error", .object([("before", .number(m.before)), ("after", .number(m.after))]))) }
        entries.append(("relative_ce", .object(c.relativeCorruptionErrors.map { ($0.corruption, .number($0.ratio)) })))
        if let e = c.calibration {
            entries.append(("ece", .object([("before", .number(e.before)), ("after", .number(e.after)),
                                            ("difference_lower", .number(e.differenceInterval.0)), ("difference_upper", .number(e.differenceInterval.1))])))
        }
        entries.append(("weights", .object(c.weights.map { ($0.parameter, .number($0.relativeChange)) })))
        entries.append(("drift", .list(c.drift.map { .object([("method", .text($0.method)), ("ssim", .number($0.ssim)), ("spearman", .number($0.spearman))]) })))
        return .object(entries)
    }

    static func verdict(_ p: PairedComparison) -> String {
        guard p.significant() else { return "not significant" }
        return p.difference < 0 ? "significant drop" : "significant gain"
    }

    static func interval(_ p: PairedComparison) -> String { "\(signedPct(p.lower)) to \(signedPct(p.upper))" }
    static func pct(_ v: Double) -> String { v.isFinite ? Quantity.share.format(v) : "n/a" }
    static func signedPct(_ v: Double) -> String { v.isFinite ? (v > 0 ? "+" : "") + Quantity.share.format(v) : "n/a" }
}
