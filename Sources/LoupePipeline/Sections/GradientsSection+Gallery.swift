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
            context.log("gradients: \(method) on \(indices.count) images")
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
                var caption = GradientsOptions.shortTitle(result.method)
                let image: RasterImage
                if result.method.contains("cam") {
                    image = try AttributionFigures.camOverlay(map, width: w, height: h, on: input)
                } else {
                    image = try AttributionFigures.mapImage(map, width: w, height: h)
                }
                if result.method == "integrated-gradients", row < igRelative.count {
                    caption += String(format: " δ %.1f%%", Double(igRelative[row]) * 100) + (igRelative[row] > 0.05 ? " (!)" : "")
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
                                                 TableColumn("Confidence", alignment: .right, format: .percent(places: 1)),
                                                 TableColumn("IG δ", alignment: .right, format: .percent(places: 2))],
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

    /// Runs one gallery method on the batch.
    func attribute(_ method: String, context: JobContext, images: Tensor, targets: [Int]) throws -> GalleryMethodResult {
        let classifier = context.classifier
        let abs99 = "N-abs99 (Σ|a| over channels, clipped at the 99th percentile)"
        func gradientResult(_ raw: Tensor, _ text: String, _ settings: [(String, SummaryValue)] = []) throws -> GalleryMethodResult {
            GalleryMethodResult(method: method, raw: raw, display: try DisplayNormalisation.absPercentile(raw), seconds: 0,
                                normalisation: "N-abs99", settings: settings, settingsText: text, deltas: nil)
        }
        switch method {
        case "saliency":
            return try gradientResult(GradientAttribution.saliency(classifier, images: images, targets: targets),
                                      "gradient of the predicted logit, " + abs99)
        case "input-x-gradient":
            return try gradientResult(GradientAttribution.inputTimesGradient(classifier, images: images, targets: targets),
                                      "input × gradient of the predicted logit")
        case "guided-backprop":
            return try gradientResult(GradientAttribution.guidedBackprop(classifier, images: images, targets: targets),
                                      "ReLU passes positive signals where its input was positive")
        case "deconvnet":
            return try gradientResult(GradientAttribution.deconvnet(classifier, images: images, targets: targets),
                                      "ReLU passes positive signals")
        case "smoothgrad":
            var generator = context.generator("gradients.smoothgrad")
            let seed = generator.next()
            let smoothed = try NoiseTunnel.perImage(classifier, images: images, targets: targets, kind: .smoothGrad,
                                                    samples: options.smoothGradSamples,
                                                    relativeNoise: Float(options.smoothGradNoise), seed: seed)
            return try gradientResult(smoothed,
                                      "\(options.smoothGradSamples) samples, σ = \(options.smoothGradNoise) × (max − min) per image, signed gradients, seed \(seed % 100_000)",
                                      [("samples", .integer(options.smoothGradSamples)), ("noise_fraction", .number(options.smoothGradNoise))])
        case "integrated-gradients":
            let ig = try IntegratedGradients.attribute(classifier, images: images, targets: targets,
                                                       steps: options.integratedGradientsSteps)
            var result = try gradientResult(ig.attributions,
                                      "\(options.integratedGradientsSteps) Gauss–Legendre steps from the zero baseline; δ = completeness error |Σ IG − Δf| / |Δf|",
                                      [("steps", .integer(options.integratedGradientsSteps)), ("baseline", .text("zero"))])
            result.deltas = (ig.delta, ig.relativeDelta)
            return result
        case "occlusion":
            let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
            let (window, stride) = options.occlusionGeometry(height: h, width: w)
            let raw = try Occlusion.attribute(classifier, images: images, targets: targets, window: [c, window, window],
                                              stride: [c, stride, stride])
            return try gradientResult(raw, "\(window)×\(window) px window of zeros, stride \(stride), drop of the predicted logit",
                                      [("window", .integer(window)), ("stride", .integer(stride)), ("baseline", .number(0))])
        case "grad-cam", "grad-cam-plus-plus", "score-cam":
            let kind: CAMMethod = method == "grad-cam" ? .gradCAM : method == "score-cam" ? .scoreCAM : .gradCAMPlusPlus
            let cam = try ClassActivationMaps.attribute(classifier, images: images, targets: targets, method: kind,
                                                        layer: options.camLayer)
            let size = "\(cam.raw.shape[2])×\(cam.raw.shape[3])"
            return GalleryMethodResult(method: method, raw: nil, display: cam.map, seconds: 0,
                                       normalisation: "N-cam (ReLU, min–max, bilinear upsampling) over the input",
                                       settings: [("layer", .text(cam.layer)), ("layer_size", .text(size))],
                                       settingsText: "layer \(cam.layer) (\(size))", deltas: nil)
        default:
            throw LoupeError(.invalidConfig, location: "sections.gradients.methods", "unknown method '\(method)'")
        }
    }

    /// The caption under the gallery's last figure.
    func galleryCaption(_ results: [GalleryMethodResult], _ context: JobContext) throws -> String {
        try context.templates.text("gradients_gallery_caption", [
            "methods": results.map { GradientsOptions.title($0.method) }.joined(separator: ", "),
        ])
    }
}

/// A probability as a whole-number percentage ("–" when not finite).
func percent(_ value: Double) -> String {
    value.isFinite ? String(format: "%.0f%%", value * 100) : "–"
}
