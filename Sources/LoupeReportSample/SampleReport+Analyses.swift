import Foundation
import LoupeReport

/// The analysis sections of the sample report.
extension SampleReport {
    mutating func weights() throws -> Section {
        let kernelCount = 16
        var blocks = try templates.blocks("sample_weights", context: ["kernels": kernelCount, "std_first": "0.231", "std_last": "0.042"])
        let kernels = (0..<kernelCount).map { _ in data.kernel(size: 3) }
        let limit = Double(kernels.flatMap { $0 }.map { abs($0) }.max() ?? 1)
        let cells = try kernels.enumerated().map { i, k in
            Figure.Cell(try RasterImage.heatmap(k, width: 3, height: 3, colorMap: .diverging, range: -limit...limit),
                        caption: "conv1 / k\(i)")
        }
        blocks.insert(.figure(Figure(cells: cells, columns: 8, caption: "The 16 first-layer kernels of channel 0 (3×3 weights).",
                                     colorBar: ColorBar(colorMap: .diverging, range: -limit...limit, label: "weight"), maxCellWidth: 48)), at: 1)
        let layers = ["conv1", "block1.conv1", "block1.conv2", "block2.conv1", "block2.conv2", "block3.conv1", "block3.conv2", "fc"]
        var rows: [[TableCell]] = []
        for (i, name) in layers.enumerated() {
            let scale = 0.23 * pow(0.8, Double(i))
            let w = data.weights(count: 2000, scale: scale)
            let mean = w.reduce(0, +) / Double(w.count)
            let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
            rows.append([.text(name), .number(Double(432 * (i + 1) * (i + 1))), .number(mean), .number(std),
                         .number(w.map(abs).max() ?? 0), .number(Double(i) * 0.011)])
            if i == 0 || i == layers.count - 1 {
                blocks.append(.chart(Chart(.histogram(values: w, bins: 50), title: "Weights of \(name)", xLabel: "weight",
                                           yLabel: "count", height: 150)))
            }
        }
        blocks.append(.table(DataTable(columns: [TableColumn("Layer", weight: 1.6, monospace: true),
                                                 TableColumn("Parameters", alignment: .right, format: .integer),
                                                 TableColumn("Mean", alignment: .right, format: .scientific(places: 2)),
                                                 TableColumn("Std", alignment: .right, format: .decimal(places: 4), shaded: true),
                                                 TableColumn("Max |w|", alignment: .right, format: .decimal(places: 3)),
                                                 TableColumn("Dead units", alignment: .right, format: .percent(places: 1))],
                                       rows: rows, caption: "Weight statistics per layer (Std shaded with magma).",
                                       shading: TableShading(colorMap: .magma))))
        return Section(title: "Weights", anchor: "weights", blocks: blocks)
    }

    mutating func activations() -> Section {
        let channels = 16
        let values = (0..<classes.count).map { c in
            (0..<channels).map { k in max(0, 0.3 + 0.7 * sin(Double(c * 3 + k)) + 0.2 * data.random.normal()) }
        }
        var blocks: [Block] = [.paragraph([TextRun("Mean activation of the 16 channels of "), .code("block3.conv2"),
                                            TextRun(" for each class. Bright cells mark channels that respond strongly to a class; "),
                                            TextRun("columns that stay dark across all classes are candidates for pruning.", italic: true)])]
        blocks.append(.chart(Chart(.heatmap(values: values, rowLabels: classes, columnLabels: (0..<channels).map { "c\($0)" },
                                            colorMap: .viridis, range: nil, annotate: false),
                                   title: "Mean activation per class and channel", xLabel: "channel", yLabel: "class", height: 260)))
        blocks.append(.heading("Sparsity by depth", level: 2))
        let depth = ["conv1", "block1", "block2", "block3"]
        blocks.append(.chart(Chart(.bars(categories: depth, series: ["zero activations", "saturated", "dead units"],
                                         values: [[0.31, 0.44, 0.52, 0.61], [0.02, 0.04, 0.05, 0.09], [0.0, 0.01, 0.03, 0.06]]),
                                   title: "Activation sparsity by depth", yLabel: "fraction of units", height: 200)))
        return Section(title: "Activations", anchor: "activations", blocks: blocks)
    }

    mutating func attributions() throws -> Section {
        var blocks = try templates.blocks("sample_attributions", context: ["method": "integrated gradients", "steps": 64,
                                                                             "alpha": "0.85", "randomised": 3, "change": "12%"])
        var cells: [Figure.Cell] = []
        for i in 0..<8 {
            let picture = data.picture(size: 32, hue: i)
            let map = data.saliency(size: 32)
            let range = RasterImage.finiteRange(map)
            let heat = try RasterImage.heatmap(map, width: 32, height: 32, colorMap: .magma, range: range)
            let weights = map.map { Float((Double($0) - range.lowerBound) / max(1e-9, range.upperBound - range.lowerBound)) }
            cells.append(Figure.Cell(picture, caption: "input: \(classes[i])"))
            cells.append(Figure.Cell(try RasterImage.overlay(heat, on: picture, alpha: 0.85, weights: weights),
                                     caption: "attribution"))
        }
        blocks.insert(.figure(Figure(cells: cells, columns: 4, caption: "Inputs and their integrated-gradients maps overlaid (magma, opacity scaled by attribution).",
                                     colorBar: ColorBar(colorMap: .magma, range: 0...1, label: "normalised attribution"),
                                     maxCellWidth: 92)), at: 1)
        return Section(title: "Attributions", anchor: "attributions", blocks: blocks)
    }

    mutating func robustness() throws -> Section {
        let corruptions = ["gaussian noise", "shot noise", "impulse noise", "defocus blur", "glass blur", "motion blur",
                           "zoom blur", "snow", "frost", "fog", "brightness", "contrast", "elastic", "pixelate", "JPEG"]
        let clean = 0.874
        var rows: [[TableCell]] = []
        var drops: [[Double]] = []
        for name in corruptions {
            let sensitivity = 0.02 + 0.12 * data.random.uniform()
            let accs = (1...5).map { s in max(0.1, clean - sensitivity * Double(s) * (0.8 + 0.3 * data.random.uniform())) }
            drops.append(accs.map { clean - $0 })
            rows.append([.text(name)] + accs.map { .number($0) } + [.number(accs.reduce(0, +) / 5 - clean)])
        }
        let mca = rows.compactMap { row -> Double? in if case .number(let d) = row.last { return d + clean }; return nil }
            .reduce(0, +) / Double(corruptions.count)
        let worstIndex = drops.indices.max { drops[$0].reduce(0, +) < drops[$1].reduce(0, +) } ?? 0
        var blocks = try templates.blocks("sample_robustness", context: [
            "corruptions": corruptions.count, "severities": 5, "mca": percent(mca), "clean": percent(clean),
            "worst": corruptions[worstIndex]])
        var columns = [TableColumn("Corruption", weight: 1.8)]
        columns += (1...5).map { TableColumn("s\($0)", alignment: .right, format: .percent(places: 1), shaded: true) }
        columns.append(TableColumn("Δ mean", alignment: .right, format: .percent(places: 1)))
        blocks.append(.table(DataTable(columns: columns, rows: rows, caption: "Accuracy per corruption and severity (shaded: viridis).",
                                       shading: TableShading(colorMap: .viridis, range: 0.3...0.9))))
        let firstFive = Array(corruptions.prefix(5))
        blocks.append(.chart(Chart(.bars(categories: firstFive.map { $0.replacingOccurrences(of: " noise", with: "").replacingOccurrences(of: " blur", with: "") },
                                         series: ["severity 1", "severity 3", "severity 5"],
                                         values: [1, 3, 5].map { s in (0..<5).map { clean - drops[$0][s - 1] } }),
                                   title: "Accuracy under noise and blur", yLabel: "accuracy", height: 200)))
        blocks.append(.chart(Chart(.heatmap(values: drops.map { $0.map { -$0 } }, rowLabels: corruptions, columnLabels: (1...5).map { "s\($0)" },
                                            colorMap: .diverging, range: -0.6...0.6, annotate: true),
                                   title: "Accuracy change against clean (signed, blue = worse)", xLabel: "severity", height: 330)))
        return Section(title: "Robustness", anchor: "robustness", blocks: blocks)
    }

    mutating func embeddings() throws -> Section {
        var blocks = try templates.blocks("sample_embeddings", context: ["points": NumberFormat.integer.format(Double(scatterPoints)),
                                                                           "method": "t-SNE (perplexity 30)",
                                                                           "overlap_a": classes[3], "overlap_b": classes[5]])
        let points = data.embedding(count: scatterPoints, classes: classes.count)
        blocks.append(.chart(Chart(.scatter(points: points, classNames: classes), title: "t-SNE of penultimate features",
                                   xLabel: "t-SNE 1", yLabel: "t-SNE 2", height: 380,
                                   caption: "\(NumberFormat.integer.format(Double(scatterPoints))) test images, one point each, coloured by true class.")))
        return Section(title: "Embeddings", anchor: "embeddings", blocks: blocks)
    }

    mutating func confusion() -> Section {
        let matrix = data.confusion(classes: classes.count)
        return Section(title: "Confusion matrix", anchor: "confusion", blocks: [
            .paragraph([TextRun("Rows are true classes, columns predictions; each row sums to one. The diagonal holds the per-class recall. "),
                        TextRun("The most frequent confusion is between neighbouring classes.", bold: true)]),
            .chart(Chart(.heatmap(values: matrix, rowLabels: classes, columnLabels: (0..<classes.count).map(String.init),
                                  colorMap: .viridis, range: 0...1, annotate: true),
                         title: "Row-normalised confusion matrix", xLabel: "predicted class", yLabel: "true class", height: 360)),
        ])
    }
}
