import LoupeAnalysis
import LoupeEngine
import LoupeReport
import LoupeTensor

extension ActivationFigures {
    /// The attention pages of a vision transformer: for each sample image, the attention rollout of
    /// the class token over the patches and the class token's attention per head in the last block.
    /// A model whose attention has no class token (a Swin's windows) gets a note on why these maps
    /// are absent; nil for models without self-attention.
    static func attention(_ context: JobContext, samples: [Int]) throws -> SectionPart? {
        let model = context.model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1] + context.dataset.sampleShape])
        let layers = TokenGrid.attentionProbabilities(in: model.graph, plan: plan)
        guard let lastLayer = layers.last else { return try attentionWithoutClassToken(context, plan: plan) }
        guard !samples.isEmpty else { return nil }
        let (images, labels) = try context.dataset.batch(samples)
        let result = try model.run(images, taps: Set(layers))
        let attention = try layers.map { name -> Tensor in
            guard let probabilities = result.taps[name]?.asFloat else {
                throw LoupeError(.invalidModel, location: name, "the attention probabilities were not captured")
            }
            return try AttentionRollout.perHead(probabilities, batch: samples.count)
        }
        let rollout = try AttentionRollout.classTokenRollout(attention)
        let heads = try AttentionRollout.classTokenMaps(attention[attention.count - 1])
        let (headCount, side) = (heads.shape[1], heads.shape[2])
        let (height, width) = (images.shape[2], images.shape[3])
        let shown = ImageFilters.resizeBilinear(ImageFilters.normaliseCAM(rollout), height: height, width: width)
        let headFactor = TensorFigures.factor(side, toReach: AttributionFigures.displayWidth / 2)

        var part = SectionPart()
        part.blocks.append(.heading("Attention of the class token", level: 2))
        part.blocks += try context.templates.blocks("activations_attention", context: [
            "layers": counted(layers.count, "self-attention block"), "heads": counted(headCount, "head"), "grid": "\(side)×\(side)",
            "samples": counted(samples.count, "sample image"), "last": lastLayer,
        ])
        var sampleNumbers = [SummaryValue]()
        for (s, index) in samples.enumerated() {
            let input = try AttributionFigures.inputImage(images, index: s, preprocessing: context.job.preprocessing)
            let overlay = try AttributionFigures.camOverlay(AttributionFigures.plane(shown, s), width: width, height: height, on: input)
            var cells = [Figure.Cell(input, caption: "image \(index), \(context.className(labels[s]))"),
                         Figure.Cell(overlay, caption: "rollout")]
            let plane = side * side
            let values = Array(heads.scalars[(s * headCount * plane)..<((s + 1) * headCount * plane)])
            let top = Double(values.max() ?? 1)
            for head in 0..<headCount {
                let map = Array(values[(head * plane)..<((head + 1) * plane)])
                cells.append(Figure.Cell(try RasterImage.heatmap(map, width: side, height: side, colorMap: .viridis,
                                                                 range: 0...(top > 0 ? top : 1)).upscaled(by: headFactor),
                                         caption: "head \(head)"))
            }
            part.blocks.append(.figure(Figure(cells: cells, columns: min(cells.count, 8),
                                              caption: try context.templates.text("activations_attention_caption", [
                                                  "index": "\(index)", "last": "\(headCount - 1)", "high": TensorFigures.short(top),
                                              ]),
                                              maxCellWidth: 56)))
            let rolled = AttributionFigures.plane(rollout, s)
            let peak = rolled.indices.max { rolled[$0] < rolled[$1] } ?? 0
            sampleNumbers.append(.object([
                ("index", .integer(index)), ("label", .integer(labels[s])),
                ("rollout_peak_patch", .list([.integer(peak / side), .integer(peak % side)])),
            ]))
        }
        part.numbers = .object([
            ("layers", .list(layers.map { .text($0) })), ("heads", .integer(headCount)), ("grid", .integer(side)),
            ("rollout", .text("Abnar and Zuidema 2020: heads averaged, identity added, rows normalised, layers multiplied")),
            ("samples", .list(sampleNumbers)),
        ])
        part.array = rollout
        return part
    }

    /// The note that replaces the class-token maps when the self-attention has no class token: its
    /// blocks, the tokens each attends over, and why neither per-head maps nor rollout apply.
    static func attentionWithoutClassToken(_ context: JobContext, plan: Plan) throws -> SectionPart? {
        let blocks = TokenGrid.selfAttention(in: context.model.graph, plan: plan)
        guard !blocks.isEmpty else { return nil }
        let windows = Set(blocks.compactMap { plan.shape(of: $0)?.last }).sorted()
        let sides = windows.map { tokens -> Int? in
            let side = Int(Double(tokens).squareRoot().rounded())
            return side * side == tokens ? side : nil
        }
        let windowText = zip(windows, sides).map { tokens, side in side.map { "\(tokens) (\($0)×\($0))" } ?? "\(tokens)" }
            .joined(separator: " or ")
        var part = SectionPart()
        part.blocks.append(.heading("Attention", level: 2))
        part.blocks += try context.templates.blocks("activations_attention_windows", context: [
            "blocks": blocks.count, "tokens": windowText, "square_windows": sides.allSatisfy { $0 != nil },
        ])
        part.numbers = .object([
            ("class_token", .flag(false)), ("layers", .list(blocks.map { .text($0) })),
            ("tokens_per_attention", .list(windows.map { .integer($0) })),
            ("maps", .text("none: no class token, and attention within windows has no single token whose attention covers the image")),
        ])
        return part
    }
}
