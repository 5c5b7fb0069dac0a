import Foundation
import LoupeReport
import LoupeTensor

extension EmbeddingsSection {
    /// Pages, summary numbers and arrays of the section.
    func output(_ context: JobContext, results: [LayerEmbedding], indices: [Int], labels: [Int], settings: Settings,
                seconds: Double) throws -> SectionOutput {
        let usesDefaults = options.layers == nil
        var blocks = try context.templates.blocks("embeddings_intro", context: introProse(context, results: results, settings: settings,
                                                                                          defaults: usesDefaults))
        var arrays: [(String, Tensor)] = [("sample_indices", Tensor(shape: [indices.count], scalars: indices.map { Float($0) })),
                                          ("labels", Tensor(shape: [labels.count], scalars: labels.map { Float($0) }))]
        blocks += try context.templates.blocks("embeddings_caveats", context: ["points": counted(settings.k, "nearest point")])
        for result in results {
            blocks.append(.pageBreak)
            blocks.append(.heading(Self.heading(result.layer), level: 2))
            blocks += try context.templates.blocks("embeddings_layer", context: layerProse(result, k: settings.k))
            for map in result.maps {
                blocks += try mapBlocks(context, result: result, map: map, labels: labels, settings: settings)
                if !map.xy.isEmpty {
                    arrays.append(("xy_\(map.method)_\(result.layer.shortName)", Tensor(shape: [labels.count, 2], scalars: map.xy)))
                }
            }
        }
        blocks.append(.pageBreak)
        blocks += try separationBlocks(context, results: results, settings: settings)
        var classCounts = [Int](repeating: 0, count: max(context.classNames.count, (labels.max() ?? -1) + 1))
        for label in labels where label >= 0 { classCounts[label] += 1 }
        let numbers = SummaryValue.object([
            ("points", .integer(indices.count)), ("images_in_dataset", .integer(context.dataset.count)),
            ("methods", .list(options.methods.map { .text($0) })),
            ("perplexity", .number(options.perplexity)), ("perplexity_used", .number(settings.perplexity)),
            ("neighbours", .integer(settings.k)), ("seed", .integer(Int(settings.seed))),
            ("default_layers", .flag(usesDefaults)),
            ("class_counts", .list(classCounts.map { .integer($0) })),
            ("layers", .list(results.map(Self.layerNumbers))),
            ("seconds", .number(seconds)),
        ])
        return SectionOutput(key: Self.name, numbers: numbers,
                             sections: [Section(title: "Embeddings", anchor: "embeddings", blocks: blocks)], arrays: arrays)
    }

    /// The summary numbers of one layer.
    static func layerNumbers(_ result: LayerEmbedding) -> SummaryValue {
        func value(_ v: Double?) -> SummaryValue { .number(v ?? .nan) }
        var entries: [(String, SummaryValue)] = [
            ("name", .text(result.layer.name)), ("role", .text(result.layer.role)), ("op", .text(result.layer.opType)),
            ("shape", .list(result.layer.shape.map { .integer($0) })), ("features", .integer(result.layer.features)),
            ("pooling_factor", .integer(result.poolingFactor)), ("features_used", .integer(result.dimension)),
            ("knn_accuracy_original", value(result.knnAccuracyOriginal)),
        ]
        for map in result.maps {
            var fields: [(String, SummaryValue)] = [("trustworthiness", value(map.trustworthiness)), ("knn_accuracy_2d", value(map.knnAccuracy2D))]
            if map.method == "pca" {
                fields.append(("explained_variance_ratio", .numbers(map.explainedVarianceRatio ?? [])))
            } else {
                fields += [("kl_divergence", value(map.klDivergence)), ("kl_divergence_kind", .text(map.klIsExact ? "exact" : map.klEstimate)),
                           ("kl_divergence_approximate", value(map.klApproximate)),
                           ("iterations", .integer(map.iterations ?? 0))]
            }
            if let skipped = map.skipped { fields.append(("skipped", .text(skipped))) }
            fields.append(("seconds", .number(map.seconds)))
            entries.append((map.method, .object(fields)))
        }
        return .object(entries)
    }

    /// `Input pixels`, `Middle layer: name`, `Penultimate layer: name` or `Layer: name`.
    static func heading(_ layer: EmbeddingLayer) -> String {
        switch layer.role {
        case "input": return "Input pixels"
        case "middle": return "Middle layer: \(layer.shortName)"
        case "penultimate": return "Penultimate layer: \(layer.shortName)"
        default: return "Layer \(layer.shortName)"
        }
    }

    /// `32 × 8 × 8 = 2,048 values`, or `32 values` for a vector.
    static func sizeText(_ shape: [Int]) -> String {
        let total = counted(shape.reduce(1, *), "value")
        return shape.count > 1 ? shape.map(String.init).joined(separator: " × ") + " = " + total : total
    }

    static func percent(_ v: Double?) -> String { v.map { Quantity.accuracy.format($0) } ?? "–" }

    func introProse(_ context: JobContext, results: [LayerEmbedding], settings: Settings, defaults: Bool) -> [String: Any] {
        let pca = options.methods.contains("pca"), tsne = options.methods.contains("tsne")
        return [
            "points": counted(settings.points, "image"), "images": counted(context.dataset.count, "image"),
            "sampled": settings.points < context.dataset.count, "seed": settings.seed,
            "layer_items": results.enumerated().map { ["name": $0.element.layer.name, "comma": $0.offset < results.count - 1] },
            "defaults": defaults, "pca": pca, "tsne": tsne, "both": pca && tsne, "k": settings.k,
            "neighbours": counted(settings.k, "nearest neighbour"),
            "neighbours_were": counted(settings.k, "nearest neighbour", verb: ("of a point on the map was", "of a point on the map were")),
            "perplexity": String(format: "%g", (settings.perplexity * 100).rounded() / 100),
            "requested": String(format: "%g", settings.requestedPerplexity),
            "lowered": settings.perplexity < settings.requestedPerplexity,
            "many_classes": context.classNames.count > 10, "classes": counted(context.classNames.count, "class", "classes"),
        ]
    }

    func layerProse(_ result: LayerEmbedding, k: Int) -> [String: Any] {
        let layer = result.layer
        return [
            layer.role: true, "name": layer.name, "op": layer.opType, "size": Self.sizeText(layer.shape), "pooled": result.poolingFactor > 1,
            "factor": result.poolingFactor, "dimension": counted(result.dimension, "value"), "features": counted(result.dimension, "feature"),
            "knn": Self.percent(result.knnAccuracyOriginal), "has_knn": result.knnAccuracyOriginal != nil, "neighbours": counted(k, "nearest neighbour"),
            "class_token": layer.classToken, "channels_last": layer.channelsLast,
        ]
    }

    /// The scatter of one map and the one-row table of its quality numbers under it.
    func mapBlocks(_ context: JobContext, result: LayerEmbedding, map: EmbeddingMap, labels: [Int], settings: Settings) throws -> [Block] {
        let title = "\(EmbeddingsOptions.title(map.method)) of \(result.layer.shortName) (\(NumberFormat.integer.format(Double(result.dimension))) features)"
        if let skipped = map.skipped {
            return [.callout(Callout(.note, title: "\(EmbeddingsOptions.title(map.method)) not drawn", body: [TextRun(skipped + ".")]))]
        }
        let points = labels.indices.map { ScatterPoint(x: Double(map.xy[2 * $0]), y: Double(map.xy[2 * $0 + 1]), classIndex: labels[$0]) }
        let ratios = map.explainedVarianceRatio ?? []
        let caption = try context.templates.text("embeddings_map_caption", map.method == "pca" ? [
            "pca": true,
            "first": ratios.count == 2 ? String(format: "%.1f", ratios[0] * 100) : nil,
            "second": ratios.count == 2 ? String(format: "%.1f", ratios[1] * 100) : nil,
        ] : [
            "perplexity": String(format: "%g", (settings.perplexity * 100).rounded() / 100), "seed": "\(settings.seed)",
            "iterations": counted(map.iterations ?? 0, "iteration"),
        ])
        let chart = Chart(.scatter(points: points, classNames: context.classNames), title: title, height: 228, caption: caption)
        return [.chart(chart), .table(qualityTable(result: result, map: map))]
    }

    /// The same columns for every map so the numbers line up across the page.
    func qualityTable(result: LayerEmbedding, map: EmbeddingMap) -> DataTable {
        let columns = [TableColumn("Map", weight: 0.7),
                       TableColumn("KL divergence", alignment: .right, format: .decimal(places: 3), weight: 1.1),
                       TableColumn("Trustworthiness", alignment: .right, format: .decimal(places: 4), weight: 1.2),
                       TableColumn("k-NN 2-D", alignment: .right, format: .percent(places: 1), weight: 1),
                       TableColumn("k-NN original", alignment: .right, format: .percent(places: 1), weight: 1.1),
                       TableColumn("Variance on axes", alignment: .right, weight: 1.3)]
        func cell(_ v: Double?) -> TableCell { v.map { .number($0) } ?? .text("–") }
        var variance = TableCell.text("–")
        if let ratios = map.explainedVarianceRatio {
            variance = .text(ratios.map { Quantity.share.format($0) }.joined(separator: " + "))
        }
        let row: [TableCell] = [.text(EmbeddingsOptions.title(map.method)), cell(map.klDivergence), cell(map.trustworthiness),
                                cell(map.knnAccuracy2D), cell(result.knnAccuracyOriginal), variance]
        return DataTable(columns: columns, rows: [row])
    }

    /// The k-NN accuracy by depth chart and the per-layer overview table.
    func separationBlocks(_ context: JobContext, results: [LayerEmbedding], settings: Settings) throws -> [Block] {
        let names = results.map(\.layer.shortName)
        var series = ["original space"], values = [results.map { ($0.knnAccuracyOriginal ?? .nan) * 100 }]
        for method in options.methods {
            series.append("\(EmbeddingsOptions.title(method)) 2-D")
            values.append(results.map { result in (result.maps.first { $0.method == method }?.knnAccuracy2D ?? .nan) * 100 })
        }
        let first = results.first?.knnAccuracyOriginal, last = results.last?.knnAccuracyOriginal
        var prose: [String: Any] = ["k": settings.k, "layers": results.count, "several": results.count > 1,
                                    "first": Self.percent(first), "last": Self.percent(last),
                                    "first_name": names.first ?? "", "last_name": names.last ?? ""]
        if let first, let last {
            prose["grows"] = last > first + 0.02
            prose["falls"] = last < first - 0.02
            prose["flat"] = abs(last - first) <= 0.02
        }
        var blocks = try context.templates.blocks("embeddings_separation", context: prose)
        blocks.append(.chart(Chart(.bars(categories: names, series: series, values: values),
                                   title: "k-NN accuracy (k = \(settings.k)) by layer depth",
                                   xLabel: "layer, from the input (left) to the penultimate (right)", yLabel: "accuracy (%)",
                                   height: 220,
                                   caption: try context.templates.text("embeddings_knn_chart_caption", [
                                       "k": "\(settings.k)", "points": counted(settings.points, "sampled image"),
                                   ]))))
        var columns = [TableColumn("Layer", weight: 1.3, monospace: true),
                       TableColumn("Features", alignment: .right, format: .integer, weight: 0.75),
                       TableColumn("k-NN orig.", alignment: .right, format: .percent(places: 1), weight: 0.85)]
        for method in options.methods {
            let title = EmbeddingsOptions.title(method)
            columns.append(TableColumn("k-NN \(title)", alignment: .right, format: .percent(places: 1), weight: 0.95))
            columns.append(TableColumn("T \(title)", alignment: .right, format: .decimal(places: 3), weight: 0.8))
            if method == "tsne" { columns.append(TableColumn("KL t-SNE", alignment: .right, format: .decimal(places: 3), weight: 0.85)) }
        }
        func cell(_ v: Double?) -> TableCell { v.map { .number($0) } ?? .text("–") }
        let rows: [[TableCell]] = results.map { result in
            var row: [TableCell] = [.text(result.layer.shortName), .number(Double(result.dimension)), cell(result.knnAccuracyOriginal)]
            for method in options.methods {
                let map = result.maps.first { $0.method == method }
                row += [cell(map?.knnAccuracy2D), cell(map?.trustworthiness)]
                if method == "tsne" { row.append(cell(map?.klDivergence)) }
            }
            return row
        }
        blocks.append(.table(DataTable(columns: columns, rows: rows,
                                       caption: try context.templates.text("embeddings_separation_caption", ["k": "\(settings.k)"]),
                                       maxLinesPerCell: 2)))
        return blocks
    }
}
