import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

extension ActivationFigures {
    /// Top-k images of the tracked channels of one layer, with the receptive field of the maximum outlined and cropped.
    static func topImages(_ context: JobContext, scan: ActivationsSection.LayerScan, options: ActivationsOptions) throws -> SectionPart {
        var part = SectionPart()
        let layer = scan.candidate
        let tracked = scan.top.map(\.sorted)
        let choice = ChannelChoice.choose(tops: tracked, means: scan.statistics.means, dead: scan.statistics.dead, count: options.topChannels)
        let shown = choice.shown
        let lists = shown.map { tracked[$0] }
        let unique = Array(Set(lists.flatMap { $0.map(\.index) })).sorted()
        var pictures = [Int: RasterImage]()
        for start in stride(from: 0, to: unique.count, by: 64) {
            let chunk = Array(unique[start..<min(unique.count, start + 64)])
            let (images, _) = try context.dataset.batch(chunk)
            for (i, index) in chunk.enumerated() {
                pictures[index] = try TensorFigures.inputImage(images.slice(batch: i..<(i + 1)), job: context.job)
            }
        }
        let field = ReceptiveField.trace(to: layer.value, in: context.model.graph)
        let imageHeight = context.dataset.sampleShape.count == 3 ? context.dataset.sampleShape[1] : 1
        let imageWidth = context.dataset.sampleShape.last ?? 1
        let coversImage = field.map { $0.size.height >= imageHeight && $0.size.width >= imageWidth } ?? true
        let factor = TensorFigures.factor(imageWidth, toReach: 64)
        let k = options.topK
        var fullCells = [Figure.Cell](), cropCells = [Figure.Cell]()
        let blank = try RasterImage(width: 8, height: 8, format: .gray, pixels: [UInt8](repeating: 200, count: 64))
        for (row, hits) in lists.enumerated() {
            let channel = shown[row]
            for slot in 0..<k {
                let lead = slot == 0 ? "ch \(channel) · " : ""
                guard slot < hits.count, let picture = pictures[hits[slot].index] else {
                    fullCells.append(Figure.Cell(blank, caption: ""))
                    cropCells.append(Figure.Cell(blank, caption: ""))
                    continue
                }
                let hit = hits[slot]
                let caption = lead + TensorFigures.short(Double(hit.score))
                if let field {
                    let box = field.box(row: hit.row, column: hit.column)
                    let scaled = PixelBox(top: box.top * factor, left: box.left * factor,
                                          bottom: box.bottom * factor + factor - 1, right: box.right * factor + factor - 1)
                    fullCells.append(Figure.Cell(try TensorFigures.outlined(picture.upscaled(by: factor), box: scaled,
                                                                            thickness: max(1, factor / 2)), caption: caption))
                    let crop = try TensorFigures.crop(picture, box: box)
                    cropCells.append(Figure.Cell(crop.upscaled(by: TensorFigures.factor(max(crop.width, crop.height), toReach: 48)),
                                                 caption: caption))
                } else {
                    fullCells.append(Figure.Cell(picture.upscaled(by: factor), caption: caption))
                }
            }
        }
        part.blocks += try context.templates.blocks("activations_top", context: TensorFigures.context([
            "layer": layer.value, "k": counted(k, "dataset image"), "channels": counted(lists.count, "row", verb: ("shows", "show")),
            "total": counted(layer.shape[0], "channel"), "tracked": tracked.count,
            "field": field.map { "\($0.size.height)×\($0.size.width)" },
            "covers": coversImage && field != nil ? "yes" : nil, "skipped": ActivationFigures.skippedLine(choice.skipped),
            "none": lists.isEmpty ? true : nil, "tokens": layer.layout == .classToken ? "yes" : nil,
            "windows": layer.layout == .channelsLast ? "yes" : nil,
        ]))
        if !lists.isEmpty { part.blocks.append(.figure(Figure(cells: fullCells, columns: k,
                                          caption: try context.templates.text("activations_top_caption", [
                                              "rows": counted(lists.count, "most informative channel"), "layer": layer.value, "k": counted(k, "dataset image"), "field": field == nil ? nil : true,
                                              "tokens": layer.layout == .classToken ? true : nil,
                                          ]),
                                          maxCellWidth: 50))) }
        if field != nil && !coversImage && !lists.isEmpty {
            part.blocks.append(.figure(Figure(cells: cropCells, columns: k,
                                              caption: try context.templates.text("activations_top_crops_caption"),
                                              maxCellWidth: 50)))
        }
        part.array = Tensor(shape: [lists.count, k], scalars: lists.flatMap { hits in (0..<k).map { $0 < hits.count ? Float(hits[$0].index) : -1 } })
        part.numbers = .object([
            ("value", .text(layer.value)),
            ("score", .text(layer.layout == .classToken ? "mean over patch tokens" : "spatial maximum")),
            ("receptive_field", field.map { .list([.integer($0.size.height), .integer($0.size.width)]) } ?? .text("unknown")),
            ("skipped", .list(choice.skipped.map { .object([("channel", .integer($0.channel)), ("reason", .text($0.reason.rawValue))]) })),
            ("channels", .list(lists.enumerated().map { row, hits in
                .object([("channel", .integer(shown[row])), ("rank", .integer(row + 1)),
                         ("indices", .list(hits.map { .integer($0.index) })), ("scores", .numbers(hits.map(\.score))),
                         ("rows", .list(hits.map { .integer($0.row) })), ("columns", .list(hits.map { .integer($0.column) }))])
            })),
        ])
        return part
    }

    /// "Skipped: dead ch 3, 7 · tied ch 5 · noise level ch 9." (nil when nothing was skipped).
    static func skippedLine(_ skipped: [(channel: Int, reason: ChannelChoice.Skip)]) -> String? {
        guard !skipped.isEmpty else { return nil }
        let groups: [(ChannelChoice.Skip, String)] = [(.dead, "dead"), (.tied, "tied top scores"), (.noise, "noise level")]
        return groups.compactMap { reason, label in
            let channels = skipped.filter { $0.reason == reason }.map(\.channel)
            guard !channels.isEmpty else { return nil }
            let shown = channels.prefix(24).map(String.init).joined(separator: ", ") + (channels.count > 24 ? " and \(channels.count - 24) more" : "")
            return "\(label) (\(channels.count)): ch \(shown)"
        }.joined(separator: "; ")
    }

    /// The per-layer statistics table with dead and saturated channels flagged.
    static func statistics(_ context: JobContext, scans: [ActivationsSection.LayerScan]) throws -> SectionPart {
        var part = SectionPart()
        var rows = [[TableCell]]()
        var entries = [SummaryValue]()
        var flagged = 0
        for scan in scans {
            let s = scan.statistics, layer = scan.candidate
            let dead = s.dead.enumerated().filter(\.element).map(\.offset)
            let saturated = s.saturated.enumerated().filter(\.element).map(\.offset)
            var flags = [String]()
            if !dead.isEmpty { flags.append("\(dead.count) dead") }
            if !saturated.isEmpty { flags.append("\(saturated.count) saturated") }
            if !flags.isEmpty { flagged += 1 }
            rows.append([.text(layer.value), .text(layer.opType), .text(layer.shape.map(String.init).joined(separator: "×")),
                         .number(s.layerMean), .number(s.layerZeroFraction), .number(Double(dead.count)),
                         .number(Double(saturated.count)), .text(flags.isEmpty ? "–" : "⚑ " + flags.joined(separator: ", "))])
            entries.append(.object([
                ("value", .text(layer.value)), ("op", .text(layer.opType)), ("kind", .text(s.kind.rawValue)),
                ("shape", .list(layer.shape.map { .integer($0) })), ("mean", .number(s.layerMean)),
                ("zero_fraction", .number(s.layerZeroFraction)), ("dead", .list(dead.map { .integer($0) })),
                ("saturated", .list(saturated.map { .integer($0) })), ("channel_mean", .numbers(s.means)),
                ("channel_max", .numbers(s.maxima)), ("channel_positive_fraction", .numbers(s.positiveFractions)),
            ]))
        }
        part.blocks += try context.templates.blocks("activations_statistics", context: TensorFigures.context([
            "layers": counted(scans.count, "layer"), "images": counted(context.dataset.count, "image"),
            "flagged": flagged > 0 ? counted(flagged, "layer", verb: ("is", "are")) : nil,
        ]))
        part.blocks.append(.table(DataTable(columns: [
            TableColumn("Layer", weight: 2.2, monospace: true), TableColumn("Op", weight: 1.1), TableColumn("C×H×W", weight: 1.2),
            TableColumn("Mean", alignment: .right), TableColumn("Zeros", alignment: .right, format: .percent(places: 1)),
            TableColumn("Dead", alignment: .right, format: .integer), TableColumn("Saturated", alignment: .right, format: .integer),
            TableColumn("Flags", weight: 1.6),
        ], rows: rows, caption: try context.templates.text("activations_statistics_caption", ["images": counted(context.dataset.count, "image")]),
           maxLinesPerCell: 2)))
        part.numbers = .list(entries)
        return part
    }
}
