import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// One gallery method's output: raw attribution (nil for CAMs), display map in [0, 1], timing, settings.
struct GalleryMethodResult {
    var method: String
    var raw: Tensor?
    var display: Tensor
    var seconds: Double
    var normalisation: String
    var settings: [(String, SummaryValue)]
    var settingsText: String
    /// Integrated Gradients only: Σ IG − Δf and its size relative to |Δf|, per image.
    var deltas: (absolute: [Float], relative: [Float])?
}

extension GradientsSection {
    /// Rows of input + one map per method for a seeded mix of correct and misclassified images.
    func gallery(_ context: JobContext) throws -> (blocks: [Block], numbers: SummaryValue, arrays: [(String, Tensor)]) {
        var generator = context.generator("gradients.gallery")
        let evaluation = context.evaluation
        let indices = SampleChoice.gallery(labels: evaluation.labels, predictions: evaluation.predictions,
                                           count: options.sampleCount, generator: &generator)
        guard !indices.isEmpty, !options.methods.isEmpty else {
            return ([.text("No images or no methods were selected for the attribution gallery.")], .object([]), [])
        }
        let (images, labels) = try context.dataset.batch(indices)
        let scores = try context.classifier.scores(images)
        let targets = try context.classifier.targets(.predicted, scores: scores)
        var results = [GalleryMethodResult]()
        var igRelative = [Float](), igDelta = [Float]()
        for method in options.methods {
            context.log("gradients: \(method) on \(counted(indices.count, "image"))")
            let start = Date()
            var result = try attribute(method, context: context, images: images, targets: targets)
            result.seconds = Date().timeIntervalSince(start)
            if let deltas = result.deltas { igRelative = deltas.relative; igDelta = deltas.absolute }
            results.append(result)
        }
        // Cells: one row per image.
        let (h, w) = (images.shape[2], images.shape[3])
        var rows = [[Figure.Cell]]()
        var imageNumbers = [SummaryValue]()
        var tableRows = [[TableCell]]()
        for (row, index) in indices.enumerated() {
            let input = try AttributionFigures.inputImage(images, index: row, preprocessing: context.job.preprocessing)
            let confidence = index < evaluation.confidences.count ? Double(evaluation.confidences[index]) : .nan
            let prediction = index < evaluation.predictions.count ? evaluation.predictions[index] : targets[row]
            let mark = prediction == labels[row] ? "" : "✗"
            var cells = [Figure.Cell(input, caption: "\(index) · \(percent(confidence))\(mark) · \(context.className(labels[row]))→\(context.className(prediction))")]
            for result in results {
                let map = AttributionFigures.plane(result.display, row)
                var caption = GradientsOptions.shortTitle(result.method) + (EmptyMaps.isEmpty(map) ? " · empty" : "")
                let image: RasterImage
                if AttributionMethods.named(result.method)?.isCAM == true {
                    image = try AttributionFigures.camOverlay(map, width: w, height: h, on: input)
                } else {
                    image = try AttributionFigures.mapImage(map, width: w, height: h)
                }
                if result.deltas != nil, row < igRelative.count {
                    caption += " δ " + Quantity.share.format(Double(igRelative[row])) + (igRelative[row] > 0.05 ? " (!)" : "")
                }
                cells.append(Figure.Cell(image, caption: caption))
            }
            rows.append(cells)
            tableRows.append([.number(Double(index)), .text(context.className(labels[row])), .text(context.className(prediction)),
                              .number(confidence), row < igRelative.count ? .number(Double(igRelative[row])) : .empty])
            var entry: [(String, SummaryValue)] = [("index", .integer(index)), ("label", .integer(labels[row])),
                                                   ("prediction", .integer(prediction)), ("target", .integer(targets[row])),
                                                   ("confidence", .number(confidence))]
            if row < igRelative.count {
                entry += [("ig_delta", .number(Double(igDelta[row]))), ("ig_relative_delta", .number(Double(igRelative[row])))]
            }
            imageNumbers.append(.object(entry))
        }
        let columns = 1 + results.count
        var blocks = [Block]()
        let perFigure = 8
        let lastCaption = try galleryCaption(results, context)
        for start in stride(from: 0, to: rows.count, by: perFigure) {
            let chunk = rows[start..<min(rows.count, start + perFigure)]
            let last = start + perFigure >= rows.count
            blocks.append(.figure(Figure(cells: chunk.flatMap { $0 }, columns: columns,
                                         caption: last ? lastCaption : "Attribution gallery (continued below).",
                                         colorBar: last ? ColorBar(colorMap: .magma, range: 0...1, label: "normalised |attribution|") : nil,
                                         maxCellWidth: 60)))
        }
        blocks.append(.table(DataTable(columns: [TableColumn("Image", alignment: .right, format: .integer, weight: 0.7),
                                                 TableColumn("True class", weight: 2), TableColumn("Predicted class", weight: 2),
                                                 TableColumn("Confidence", alignment: .right, format: Quantity.confidence.numberFormat),
                                                 TableColumn("IG δ", alignment: .right, format: Quantity.share.numberFormat)],
                                       rows: tableRows, caption: "The gallery's images (dataset index) in row order.")))
        blocks.append(.bullets(results.map { result in
            [TextRun.bold(GradientsOptions.title(result.method) + ": "),
             TextRun(result.settingsText + "; display " + result.normalisation
                     + (context.reproducible ? "" : String(format: "; %.1f ms per image", 1000 * result.seconds / Double(indices.count))))]
        }))
        let methodNumbers: [SummaryValue] = results.map { result in
            .object([("method", .text(result.method)), ("normalisation", .text(result.normalisation)),
                     ("seconds_per_image", .number(result.seconds / Double(indices.count)))] + result.settings)
        }
        var arrays: [(String, Tensor)] = [("gallery_images", images)]
        for result in results {
            let key = result.method.replacingOccurrences(of: "-", with: "_")
            if let raw = result.raw { arrays.append(("attribution_\(key)", raw)) }
            arrays.append(("display_\(key)", result.display))
        }
        let numbers = SummaryValue.object([("images", .list(imageNumbers)), ("methods", .list(methodNumbers)),
                                           ("target", .text("predicted class"))])
        return (blocks, numbers, arrays)
    }

    /// Runs one gallery method (a registry entry) on the batch with the section's settings.
    func attribute(_ method: String, context: JobContext, images: Tensor, targets: [Int]) throws -> GalleryMethodResult {
        guard let entry = AttributionMethods.named(method), entry.reportUse.contains(.gallery) else {
            throw LoupeError(.invalidConfig, location: "sections.gradients.methods", "unknown method '\(method)'")
        }
        let settings = gallerySettings(entry, context: context, images: images)
        let result = try entry.attribute(context.classifier, images: images, targets: targets, settings: settings)
        let description = entry.describe(settings, result)
        let recorded = description.settings.map { key, value -> (String, SummaryValue) in
            switch value {
            case .integer(let v): return (key, .integer(v))
            case .number(let v): return (key, .number(v))
            case .text(let v): return (key, .text(v))
            }
        }
        if entry.isCAM {
            return GalleryMethodResult(method: method, raw: nil, display: result.attributions, seconds: 0,
                                       normalisation: "N-cam (ReLU, min–max, bilinear upsampling) over the input",
                                       settings: recorded, settingsText: description.text, deltas: nil)
        }
        return GalleryMethodResult(method: method, raw: result.attributions,
                                   display: try DisplayNormalisation.absPercentile(result.attributions), seconds: 0,
                                   normalisation: "N-abs99", settings: recorded, settingsText: description.text,
                                   deltas: result.completeness.map { ($0.absolute, $0.relative) })
    }

    /// The registry settings the gallery uses: the section's options, seeded noise per image, a square occlusion window.
    func gallerySettings(_ entry: AttributionMethod, context: JobContext, images: Tensor) -> AttributionSettings {
        var settings = entry.defaults
        settings.steps = options.integratedGradientsSteps
        settings.samples = options.smoothGradSamples
        settings.noise = .relativePerImage(options.smoothGradNoise)
        settings.layer = options.camLayer
        // Each method's draws come from its own purpose ("gradients.smoothgrad"), so adding a method shifts no other seed.
        var generator = context.generator("gradients.\(entry.name)")
        settings.seed = generator.next()
        let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
        let (window, stride) = options.occlusionGeometry(height: h, width: w)
        settings.window = [c, window, window]
        settings.stride = [c, stride, stride]
        return settings
    }

    /// The caption under the gallery's last figure.
    func galleryCaption(_ results: [GalleryMethodResult], _ context: JobContext) throws -> String {
        try context.templates.text("gradients_gallery_caption", [
            "methods": results.map { GradientsOptions.title($0.method) }.joined(separator: ", "),
        ])
    }
}

/// A probability (confidence) in the one percentage form of `Quantity` ("–" when not finite).
func percent(_ value: Double) -> String { Quantity.confidence.format(value) }
