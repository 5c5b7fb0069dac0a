import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension SanitySection {
    /// The similarity measures in chart order with their titles.
    static let measures: [(key: String, title: String)] = [
        ("spearman_abs", "Spearman ρ, absolute maps (N-abs99)"), ("spearman", "Spearman ρ, signed maps (N-div99)"),
        ("ssim", "SSIM (N-01 maps)"), ("hog", "HOG similarity (Spearman ρ of HOG descriptors)"),
    ]

    /// Short label of cascade step `step` (1-based): the lowest layer randomised so far.
    func stepLabel(_ run: SanityRun, _ step: Int) -> String {
        guard step > 0, step <= run.randomisation.groups.count, let lowest = run.randomisation.groups[step - 1].last else { return "original" }
        return SanitySection.shortName(run.randomisation.layers[lowest].name)
    }

    /// A layer name cut to fit a narrow caption.
    static func shortName(_ name: String) -> String {
        let trimmed = name.split(separator: "/").filter { !$0.isEmpty }.first.map(String.init) ?? name
        return trimmed.count > 10 ? String(trimmed.prefix(9)) + "…" : trimmed
    }

    /// Charts, tables and the map figure of the cascading test.
    func cascadeBlocks(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        let result = run.randomisation
        var blocks = try context.templates.blocks("sanity_cascade", context: [
            "steps": counted(result.groups.count, "step"), "one_step": result.groups.count == 1, "image": run.indices.first ?? 0,
        ])
        blocks.append(.table(stepTable(run)))
        blocks += try paperComparison(run, context)
        for (key, title) in SanitySection.measures {
            let series = result.curves.map { curve in
                LineSeries(SanityOptions.title(curve.method),
                           points: curve.cascade.enumerated().map { (Double($0.offset), SanitySection.mean($0.element, key)) })
            }
            blocks.append(.chart(Chart(.line(series: series, logY: false), title: title,
                                       xLabel: "layer groups randomised from the top (0 = original model)",
                                       yLabel: "mean similarity to the original", height: 175,
                                       caption: try context.templates.text("sanity_cascade_chart_caption", ["images": counted(run.indices.count, "image")]))))
        }
        for key in ["ssim", "spearman_abs"] {
            blocks.append(.table(spreadTable(run, key: key, independent: false)))
        }
        blocks.append(.figure(try mapFigure(run, context)))
        return blocks
    }

    /// Steps and the layers each one adds to the randomised set.
    func stepTable(_ run: SanityRun) -> DataTable {
        let result = run.randomisation
        let rows: [[TableCell]] = result.groups.enumerated().map { step, group in
            [.number(Double(step + 1)), .text(group.map { result.layers[$0].name }.joined(separator: ", ")),
             .text(group.map { result.layers[$0].opType }.joined(separator: ", ")),
             .text(group.flatMap { result.layers[$0].parameters.map { SanitySection.schemeText($0.scheme) } }.joined(separator: "; "))]
        }
        return DataTable(columns: [TableColumn("Step", alignment: .right, format: .integer, weight: 0.5), TableColumn("Layers added", weight: 2),
                                   TableColumn("Op", weight: 1), TableColumn("Re-initialisation (weight; bias)", weight: 2.2)],
                         rows: rows, caption: "Cascade steps, top (logits) first; each step keeps the layers randomised before it.")
    }

    /// A parameter's re-initialisation scheme as text.
    static func schemeText(_ scheme: RandomisableLayer.Scheme) -> String {
        switch scheme {
        case .uniform(let bound): return String(format: "U(±%.3g)", Double(bound))
        case .constant(let value): return String(format: "= %g", Double(value))
        }
    }

    /// Mean ± standard deviation of one measure per step (rows) and method (columns).
    func spreadTable(_ run: SanityRun, key: String, independent: Bool) -> DataTable {
        let curves = run.randomisation.curves
        let stepCount = independent ? run.randomisation.groups.count : run.randomisation.groups.count + 1
        let rows: [[TableCell]] = (0..<stepCount).map { step in
            let label = independent ? "\(step + 1) · \(stepLabel(run, step + 1))" : step == 0 ? "0 · original" : "\(step) · \(stepLabel(run, step))"
            return [.text(label)] + curves.map { curve in
                let scores = independent ? curve.independent : curve.cascade
                guard step < scores.count else { return .empty }
                let (mean, std) = meanAndDeviation(scores[step].map { $0.value(key) })
                let empty = SanitySection.emptyCount(scores[step])
                let value = mean.isFinite ? String(format: "%.2f ± %.2f", mean, std) : "–"
                return .text(empty > 0 ? value + " (\(empty) empty)" : value)
            }
        }
        let title = SanitySection.measures.first { $0.key == key }?.title ?? key
        return DataTable(columns: [TableColumn(independent ? "Layer group alone" : "Step · down to", weight: 1.2)]
                            + curves.map { TableColumn(SanityOptions.shortTitle($0.method), alignment: .right, weight: 1.1) },
                         rows: rows, caption: "\(title): mean ± standard deviation over the \(counted(run.indices.count, "image")); \"(k empty)\" counts images whose map was empty (all zero or constant) at that step, left out of the mean.")
    }

    /// Rows = methods; columns = input, original map, then the map after each cascade step (first image).
    func mapFigure(_ run: SanityRun, _ context: JobContext) throws -> Figure {
        let (h, w) = (run.images.shape[2], run.images.shape[3])
        let input = try AttributionFigures.inputImage(run.images, index: 0, preprocessing: context.job.preprocessing)
        var cells = [Figure.Cell]()
        var columns = 1
        for curve in run.randomisation.curves {
            cells.append(Figure.Cell(input, caption: SanityOptions.shortTitle(curve.method)))
            for (step, map) in curve.cascadeMaps.enumerated() {
                let plane: [Float]
                if curve.method.isCAM {
                    plane = map.scalars
                } else {
                    plane = try DisplayNormalisation.absPercentile(map).scalars
                }
                let image = curve.method.isCAM ? try AttributionFigures.camOverlay(plane, width: w, height: h, on: input)
                    : try AttributionFigures.mapImage(plane, width: w, height: h)
                let label = step == 0 ? "original" : "↓ " + stepLabel(run, step)
                cells.append(Figure.Cell(image, caption: EmptyMaps.isEmpty(map.scalars) ? label + " · empty" : label))
            }
            columns = 1 + curve.cascadeMaps.count
        }
        let index = run.indices.first ?? 0
        return Figure(cells: cells, columns: columns,
                      caption: try context.templates.text("sanity_cascade_maps_caption", [
                          "index": "\(index)", "label": context.className(run.labels.first ?? 0),
                          "target": context.className(run.targets.first ?? 0),
                      ]),
                      colorBar: ColorBar(colorMap: .magma, range: 0...1, label: "normalised |attribution|"),
                      maxCellWidth: columns > 8 ? 44 : 58)
    }

    /// Charts and tables of the independent test.
    func independentBlocks(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        var blocks = try context.templates.blocks("sanity_independent", context: [:])
        for key in ["ssim", "spearman_abs"] {
            let title = SanitySection.measures.first { $0.key == key }?.title ?? key
            let series = run.randomisation.curves.map { curve in
                LineSeries(SanityOptions.title(curve.method),
                           points: curve.independent.enumerated().map { (Double($0.offset + 1), SanitySection.mean($0.element, key)) })
            }
            blocks.append(.chart(Chart(.line(series: series, logY: false), title: title + ", one layer group at a time",
                                       xLabel: "layer group randomised alone (1 = top)", yLabel: "mean similarity to the original",
                                       height: 165)))
        }
        blocks.append(.table(spreadTable(run, key: "ssim", independent: true)))
        return blocks
    }

    /// Whether Adebayo et al.'s finding shows on this model, with the numbers either way.
    func paperComparison(_ run: SanityRun, _ context: JobContext) throws -> [Block] {
        func curve(_ method: SanityMethod) -> RandomisationCurves? { run.randomisation.curves.first { $0.method == method } }
        guard let guided = curve(.guidedBackprop), guided.cascade.count > 1 else { return [] }
        let others = [SanityMethod.saliency, .gradCAM].compactMap(curve)
        guard !others.isEmpty else { return [] }
        let last = guided.cascade.count - 1
        func ssim(_ c: RandomisationCurves, _ step: Int) -> Double { SanitySection.mean(c.cascade[step], "ssim") }
        let topHolds = others.allSatisfy { ssim(guided, 1) > ssim($0, 1) }
        let endHolds = others.allSatisfy { ssim(guided, last) > ssim($0, last) }
        let numbers = ([guided] + others).map { c in
            "\(SanityOptions.title(c.method)) \(FiniteText.format("%.2f", ssim(c, 1))) → \(FiniteText.format("%.2f", ssim(c, last)))"
        }.joined(separator: "; ")
        let outcome = topHolds && endHolds ? "holds" : (topHolds ? "holds_top" : "differs")
        return try context.templates.blocks("sanity_paper_comparison", context: [outcome: true, "numbers": numbers])
    }
}
