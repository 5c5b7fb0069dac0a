import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// Builders of the weights pages' figures and tables.
enum WeightFigures {
    /// Tiles of the first convolution's filters: RGB when it sees 3 channels, else gray per input channel.
    static func filterTiles(_ kernel: Tensor, count: Int, scale: (Int) -> (Float, Float)) throws -> [RasterImage] {
        let (c, kh, kw) = (kernel.shape[1], kernel.shape[2], kernel.shape[3])
        let per = c * kh * kw
        let factor = TensorFigures.factor(max(kh, kw), toReach: 48)
        return try (0..<count).map { m in
            let values = Array(kernel.scalars[(m * per)..<((m + 1) * per)])
            let (lo, hi) = scale(m)
            let bytes = FilterScaling.bytes(values, lower: lo, upper: hi)
            if c == 3 { return try TensorFigures.rgbFromPlanes(bytes, width: kw, height: kh).upscaled(by: factor) }
            let planes = try (0..<min(c, 8)).map { ch in
                try TensorFigures.gray(Array(bytes[(ch * kh * kw)..<((ch + 1) * kh * kw)]), width: kw, height: kh).upscaled(by: factor)
            }
            return planes.count == 1 ? planes[0] : try TensorFigures.mosaic(planes, columns: planes.count, gap: 2)
        }
    }

    /// Up to 16 filters as captioned cells; more as one mosaic (filter 0 top left, row-major) so the page stays compact.
    static func filterFigure(_ tiles: [RasterImage], columns: Int, cellWidth: Double, caption: String) throws -> Figure {
        if tiles.count <= 16 {
            return Figure(cells: tiles.enumerated().map { Figure.Cell($1, caption: "f\($0)") }, columns: columns, caption: caption,
                          maxCellWidth: cellWidth)
        }
        let grid = try TensorFigures.mosaic(tiles, columns: columns, gap: 3)
        return Figure(cells: [Figure.Cell(grid)], columns: 1,
                      caption: caption + " Filters run row by row, filter 0 at the top left, \(columns) per row.",
                      maxCellWidth: min(440, Double(columns) * 40, 320 * Double(grid.width) / Double(max(grid.height, 1))))
    }

    static func firstLayer(_ conv: ConvolutionWeights, options: WeightsOptions, templates: TemplateRenderer) throws -> SectionPart {
        let k = conv.kernel
        let (m, c, kh, kw) = (k.shape[0], k.shape[1], k.shape[2], k.shape[3])
        let per = c * kh * kw
        let shown = min(m, options.maxFirstLayerFilters)
        var ranges = [(Float, Float)]()
        var norms = [Double]()
        for f in 0..<m {
            let values = k.scalars[(f * per)..<((f + 1) * per)].filter(\.isFinite)
            ranges.append((values.min() ?? 0, values.max() ?? 0))
            norms.append(Double(values.reduce(Float(0)) { $0 + $1 * $1 }).squareRoot())
        }
        let all = k.scalars.filter(\.isFinite)
        let shared = (all.min() ?? 0, all.max() ?? 0)
        let own = try filterTiles(k, count: shown, scale: { ranges[$0] })
        let columns = c == 3 || c == 1 ? 8 : 4
        let cellWidth = c == 3 || c == 1 ? 52.0 : 110.0
        var part = SectionPart()
        let layout = c == 3 ? "in colour (the three input channels as red, green and blue)" : (c == 1 ? "in gray" : "as one gray tile per input channel (first 8 channels)")
        part.blocks += try templates.blocks("weights_first_layer", context: TensorFigures.context([
            "node": conv.nodeName, "filters": counted(m, "small filter"), "numbers": counted(m, "number"), "channels": c,
            "size": "\(kh)×\(kw)", "layout": layout,
            "shown": shown, "more": m > shown ? counted(m - shown, "filter", verb: ("is", "are")) : nil, "patch": conv.isPatchEmbedding ? "yes" : nil,
        ]))
        part.blocks.append(.figure(try filterFigure(own, columns: columns, cellWidth: cellWidth,
                                                    caption: try templates.text("weights_first_layer_caption", [
                                                        "shown": "\(shown)", "filters": counted(m, "filter"), "node": conv.nodeName, "size": "\(kh)×\(kw)",
                                                    ]))))
        part.figures.append(("first_conv_filters", try TensorFigures.mosaic(own, columns: columns, gap: 2)))
        if options.sharedScale {
            let common = try filterTiles(k, count: shown, scale: { _ in shared })
            part.blocks += try templates.blocks("weights_first_layer_shared", context: [
                "low": TensorFigures.short(Double(shared.0)), "high": TensorFigures.short(Double(shared.1)),
            ])
            part.blocks.append(.figure(try filterFigure(common, columns: columns, cellWidth: cellWidth,
                                                        caption: try templates.text("weights_first_layer_shared_caption", [
                                                            "low": TensorFigures.short(Double(shared.0)), "high": TensorFigures.short(Double(shared.1)),
                                                        ]))))
        }
        part.numbers = .object([
            ("node", .text(conv.nodeName)), ("weight", .text(conv.weightName)), ("shape", .list(k.shape.map { .integer($0) })),
            ("filters_shown", .integer(shown)), ("shared_min", .number(Double(shared.0))), ("shared_max", .number(Double(shared.1))),
            ("filter_min", .numbers(ranges.map(\.0))), ("filter_max", .numbers(ranges.map(\.1))), ("filter_l2", .numbers(norms)),
        ])
        return part
    }

    static func deeperLayers(_ layers: [ConvolutionWeights], total: Int, options: WeightsOptions,
                             templates: TemplateRenderer) throws -> SectionPart {
        var part = SectionPart()
        part.blocks += try templates.blocks("weights_deeper", context: TensorFigures.context([
            "shown": layers.count, "total": counted(total, "deeper convolution"), "all": layers.count == total ? true : nil,
            "one": total == 1 ? true : nil,
            "more": total > layers.count ? counted(total - layers.count, "further convolution", verb: ("is", "are")) : nil,
            "outputs": counted(options.deeperOutputs, "output channel"), "inputs": counted(options.deeperInputs, "input channel"),
        ]))
        var entries = [SummaryValue]()
        for conv in layers {
            let k = conv.kernel
            let (m, c, kh, kw) = (k.shape[0], k.shape[1], k.shape[2], k.shape[3])
            let outs = min(m, options.deeperOutputs), ins = min(c, options.deeperInputs)
            let limit = Double(k.scalars.lazy.filter(\.isFinite).map { abs($0) }.max() ?? 1)
            let range = -max(limit, 1e-12)...max(limit, 1e-12)
            let factor = TensorFigures.factor(max(kh, kw), toReach: 12)
            var tiles = [RasterImage]()
            for i in 0..<ins {
                for o in 0..<outs {
                    let start = (o * c + i) * kh * kw
                    tiles.append(try RasterImage.heatmap(Array(k.scalars[start..<(start + kh * kw)]), width: kw, height: kh,
                                                         colorMap: .diverging, range: range).upscaled(by: factor))
                }
            }
            let grid = try TensorFigures.mosaic(tiles, columns: outs, gap: 2)
            let width = min(460.0, Double(grid.width) * 1.6)
            part.blocks.append(.figure(Figure(cells: [Figure.Cell(grid)], columns: 1,
                                              caption: try templates.text("weights_deeper_caption", [
                                                  "node": conv.nodeName, "size": "\(kh)×\(kw)", "outputs": counted(m, "output"), "inputs": counted(c, "input"),
                                                  "last_output": "\(outs - 1)", "last_input": "\(ins - 1)", "shown": "\(outs * ins)",
                                                  "total": counted(m * c, "kernel"),
                                              ]),
                                              colorBar: ColorBar(colorMap: .diverging, range: range, label: "weight"),
                                              maxCellWidth: width)))
            entries.append(.object([("node", .text(conv.nodeName)), ("weight", .text(conv.weightName)),
                                    ("shape", .list(k.shape.map { .integer($0) })), ("outputs_shown", .integer(outs)),
                                    ("inputs_shown", .integer(ins)), ("abs_max", .number(limit))]))
        }
        part.blocks += try templates.blocks("weights_small_kernels", context: [:])
        part.numbers = .list(entries)
        return part
    }

    static func templates(_ layer: ImageTemplateLayer, options: WeightsOptions, templates: TemplateRenderer) throws -> SectionPart {
        let t = layer.templates
        let (units, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        let shown = min(units, options.maxTemplates)
        let limit = Double(t.scalars.lazy.filter(\.isFinite).map { abs($0) }.max() ?? 1)
        let summed = (0..<shown).map { u -> [Float] in
            var map = [Float](repeating: 0, count: h * w)
            for ch in 0..<c { for p in 0..<(h * w) { map[p] += t.scalars[(u * c + ch) * h * w + p] } }
            return map
        }
        let peak = max(1e-12, Double(summed.flatMap { $0 }.lazy.filter(\.isFinite).map { abs($0) }.max() ?? 1))
        let range = -peak...peak
        // Ten or fewer templates (a linear classifier's classes) get two rows of larger tiles.
        let (columns, cellWidth) = shown <= 10 ? (5, 84.0) : (8, 56.0)
        let factor = TensorFigures.factor(max(h, w), toReach: Int(cellWidth))
        let cells = try summed.enumerated().map { u, map in
            Figure.Cell(try RasterImage.heatmap(map, width: w, height: h, colorMap: .diverging, range: range).upscaled(by: factor),
                        caption: "unit \(u)")
        }
        var part = SectionPart()
        part.blocks += try templates.blocks("weights_templates", context: TensorFigures.context([
            "node": layer.nodeName, "units": counted(units, "unit"), "shown": shown, "size": "\(h)×\(w)", "summed": c > 1 ? "yes" : nil,
        ]))
        part.blocks.append(.figure(Figure(cells: cells, columns: columns,
                                          caption: try templates.text("weights_templates_caption", [
                                              "shown": "\(shown)", "units": counted(units, "unit"), "node": layer.nodeName,
                                              "channels": c > 1 ? "\(c)" : nil, "size": "\(h)×\(w)",
                                          ]),
                                          colorBar: ColorBar(colorMap: .diverging, range: range, label: "weight"), maxCellWidth: cellWidth)))
        part.figures.append(("fc_templates", try TensorFigures.mosaic(cells.map(\.image), columns: columns, gap: 2)))
        part.numbers = .object([("node", .text(layer.nodeName)), ("weight", .text(layer.weightName)),
                                ("units", .integer(units)), ("units_shown", .integer(shown)), ("abs_max", .number(limit)),
                                ("display_abs_max", .number(peak))])
        return part
    }

    static func statistics(_ tensors: [(String, Tensor)], options: WeightsOptions, templates: TemplateRenderer) throws -> SectionPart {
        let stats = tensors.map { WeightStatistics(name: $0.0, tensor: $0.1) }
        var part = SectionPart()
        let rows = stats.prefix(options.maxTableRows).map { s -> [TableCell] in
            [.text(s.name), .text(s.shape.map(String.init).joined(separator: "×")), .number(Double(s.count)), .number(s.mean),
             .number(s.std), .number(s.l2Norm), .number(s.nearZeroFraction), .number(Double(s.nonFiniteCount)),
             .text(s.nearZeroFraction > options.sparseShare ? "⚑ sparse" : "")]
        }
        let sparse = stats.filter { $0.nearZeroFraction > options.sparseShare }
        let weights = tensors.filter { $0.1.rank >= 2 }
        let histogramLayers = Array(weights.prefix(options.maxHistograms))
        let nonFinite = stats.reduce(0) { $0 + $1.nonFiniteCount }
        part.blocks += try templates.blocks("weights_statistics", context: TensorFigures.context([
            "tensors": stats.count, "rows": rows.count, "more_rows": stats.count > rows.count ? "\(stats.count - rows.count)" : nil,
            "threshold": "10⁻³", "nonfinite": nonFinite > 0 ? counted(nonFinite, "weight", verb: ("is", "are")) : nil,
            "sparse": sparse.isEmpty ? nil : sparse.map { "\($0.name) (\(Quantity.share.format($0.nearZeroFraction)))" }.joined(separator: ", "),
            "sparse_count": sparse.isEmpty ? nil : counted(sparse.count, "layer"), "sparse_share": Quantity.share.format(options.sparseShare),
            "log": options.logHistograms ? true : nil,
        ]))
        if !rows.isEmpty {
            part.blocks.append(.table(DataTable(columns: [
                TableColumn("Initializer", weight: 2.0, monospace: true), TableColumn("Shape", weight: 1.7),
                TableColumn("Params", alignment: .right, format: .integer, weight: 1.3), TableColumn("Mean", alignment: .right, weight: 1.3),
                TableColumn("Std", alignment: .right), TableColumn("L2 norm", alignment: .right),
                TableColumn("Near 0", alignment: .right, format: Quantity.share.numberFormat),
                TableColumn("Non-finite", alignment: .right, format: .integer), TableColumn("Flag", weight: 1.1),
            ], rows: rows, caption: "Weight statistics per initializer (near 0: |w| < 10⁻³ · max|w| of the tensor; ⚑ sparse: more than \(Quantity.share.format(options.sparseShare)) of the weights near 0).", maxLinesPerCell: 2)))
        }
        if !histogramLayers.isEmpty {
            let cells = try histogramLayers.map { name, tensor -> Figure.Cell in
                let histogram = Histogram(tensor.scalars, bins: 100)
                return Figure.Cell(try TensorFigures.histogramImage(histogram, logY: options.logHistograms),
                                   caption: "\(name) [\(TensorFigures.short(histogram.lower)), \(TensorFigures.short(histogram.upper))]")
            }
            let more = weights.count - histogramLayers.count
            part.blocks.append(.figure(Figure(cells: cells, columns: 4,
                                              caption: try templates.text("weights_histograms_caption", ["more": more > 0 ? counted(more, "more weight tensor") : nil,
                                                                                                         "log": options.logHistograms ? true : nil]),
                                              maxCellWidth: 110)))
        }
        part.numbers = .list(stats.map { s in
            .object([("name", .text(s.name)), ("shape", .list(s.shape.map { .integer($0) })), ("count", .integer(s.count)),
                     ("mean", .number(s.mean)), ("std", .number(s.std)), ("min", .number(s.min)), ("max", .number(s.max)),
                     ("l2_norm", .number(s.l2Norm)), ("near_zero_fraction", .number(s.nearZeroFraction)),
                     ("non_finite", .integer(s.nonFiniteCount)), ("sparse", .flag(s.nearZeroFraction > options.sparseShare))])
        })
        part.array = Tensor(shape: [stats.count, 7], scalars: stats.flatMap { s in
            [Float(s.mean), Float(s.std), Float(s.min), Float(s.max), Float(s.l2Norm), Float(s.nearZeroFraction), Float(s.nonFiniteCount)]
        })
        return part
    }
}
