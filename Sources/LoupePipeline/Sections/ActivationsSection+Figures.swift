import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

/// Builders of the activation pages' figures and tables.
enum ActivationFigures {
    /// `count` dataset indices, one per class in a seeded random class order (cycling when there are fewer classes).
    static func sampleIndices(_ context: JobContext, count: Int) -> [Int] {
        var generator = context.generator("activations.samples")
        var byClass = [Int: [Int]]()
        for (index, label) in context.dataset.labels.enumerated() { byClass[label, default: []].append(index) }
        var classes = byClass.keys.sorted()
        classes.shuffle(using: &generator)
        var picked = [Int]()
        var round = 0
        while picked.count < min(count, context.dataset.count) && round < count {
            for label in classes where picked.count < count {
                let members = (byClass[label] ?? []).filter { !picked.contains($0) }
                if let choice = members.randomElement(using: &generator) { picked.append(choice) }
            }
            round += 1
        }
        return picked
    }

    /// A value name usable in a file name.
    static func fileName(_ value: String) -> String {
        String(value.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
    }

    /// Feature maps of each sample image at each layer, one shared viridis scale per layer, drawn at a size
    /// proportional to their spatial size.
    static func featureMaps(_ context: JobContext, samples: [Int], layers: [ActivationLayers.Candidate],
                            options: ActivationsOptions) throws -> SectionPart {
        var part = SectionPart()
        guard !samples.isEmpty else { return part }
        let (images, labels) = try context.dataset.batch(samples)
        let result = try context.model.run(images, taps: Set(layers.map(\.value)))
        let maps = try layers.map { layer -> Tensor in
            guard let tapped = result.taps[layer.value]?.asFloat, let t = try layer.map(tapped) else {
                throw LoupeError(.invalidModel, location: layer.value, "no value")
            }
            return t
        }
        let channels = layers.map { min($0.shape[0], options.channelsShown) }
        // One range per layer over the drawn channels of every sample.
        let ranges = layers.indices.map { l -> ClosedRange<Double> in
            let (c, plane) = (layers[l].shape[0], layers[l].shape[1] * layers[l].shape[2])
            var values = [Float]()
            for s in samples.indices { values += maps[l].scalars[(s * c * plane)..<((s * c + channels[l]) * plane)] }
            let r = RasterImage.finiteRange(values)
            return r.lowerBound < r.upperBound ? r : r.lowerBound...(r.lowerBound + 1)
        }
        let widest = max(layers.map { $0.shape[2] }.max() ?? 1, context.dataset.sampleShape.last ?? 1)
        let factor = TensorFigures.factor(widest, toReach: 48)
        let columns = 8
        let widestMosaic = Double(min(columns, channels.max() ?? 1) * (widest * factor + 2))
        let pointsPerPixel = min(1.2, 440 / widestMosaic)
        part.blocks += try context.templates.blocks("activations_feature_maps", context: [
            "samples": counted(samples.count, "image"), "layers": counted(layers.count, "layer"), "channels": counted(options.channelsShown, "channel"),
            "names": layers.map { "\($0.value) (\($0.shape.map(String.init).joined(separator: "×")))" }.joined(separator: ", "),
        ])
        var sampleNumbers = [SummaryValue]()
        for (s, index) in samples.enumerated() {
            let label = labels[s]
            let predicted = index < context.evaluation.predictions.count ? context.evaluation.predictions[index] : nil
            let title = "Image \(index), class \(context.className(label))" + (predicted.map { ", predicted \(context.className($0))" } ?? "")
            part.blocks.append(.heading(title, level: 3))
            let input = try TensorFigures.inputImage(images.slice(batch: s..<(s + 1)), job: context.job)
            let inputFactor = TensorFigures.factor(input.width, toReach: 48)
            part.blocks.append(.figure(Figure(cells: [Figure.Cell(input.upscaled(by: inputFactor), caption: "input")], columns: 1,
                                              maxCellWidth: Double(input.width * factor) * pointsPerPixel)))
            for (l, layer) in layers.enumerated() {
                let (c, h, w) = (layer.shape[0], layer.shape[1], layer.shape[2])
                // Tiny late maps get a larger integer factor so each prints at least the minimum map size.
                let layerFactor = max(factor, PrintSize.factor(pixels: w, pointsPerPixel: pointsPerPixel))
                let tiles = try (0..<channels[l]).map { ch -> RasterImage in
                    let start = (s * c + ch) * h * w
                    return try RasterImage.heatmap(Array(maps[l].scalars[start..<(start + h * w)]), width: w, height: h,
                                                   colorMap: .viridis, range: ranges[l]).upscaled(by: layerFactor)
                }
                let grid = try TensorFigures.mosaic(tiles, columns: columns, gap: 2)
                part.blocks.append(.figure(Figure(cells: [Figure.Cell(grid)], columns: 1,
                                                  caption: try context.templates.text("activations_feature_maps_caption", [
                                                      "layer": layer.value, "op": layer.opType, "size": "\(h)×\(w)", "last": "\(channels[l] - 1)",
                                                      "channels": "\(c)", "low": TensorFigures.short(ranges[l].lowerBound),
                                                      "high": TensorFigures.short(ranges[l].upperBound),
                                                  ]),
                                                  maxCellWidth: Double(grid.width) * pointsPerPixel)))
            }
            sampleNumbers.append(.object([("index", .integer(index)), ("label", .integer(label)),
                                          ("prediction", predicted.map { .integer($0) } ?? .text("unknown"))]))
        }
        part.numbers = .object([
            ("samples", .list(sampleNumbers)),
            ("layers", .list(layers.enumerated().map { l, layer in
                .object([("value", .text(layer.value)), ("op", .text(layer.opType)),
                         ("shape", .list(layer.shape.map { .integer($0) })), ("channels_shown", .integer(channels[l])),
                         ("display_min", .number(ranges[l].lowerBound)), ("display_max", .number(ranges[l].upperBound))])
            })),
        ])
        return part
    }
}
