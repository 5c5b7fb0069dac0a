import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension GradientsSection {
    /// Grad-CAM for the true and the predicted class on one example of each most-confused pair.
    func confusedPairs(_ context: JobContext) throws -> (blocks: [Block], numbers: SummaryValue, arrays: [(String, Tensor)]) {
        let evaluation = context.evaluation
        let pairs = SampleChoice.confusedPairs(evaluation.confusion, limit: options.confusedPairs)
        guard !pairs.isEmpty else {
            return (try context.templates.blocks("gradients_confused", context: ["none": true]), .list([]), [])
        }
        var generator = context.generator("gradients.confused")
        var cells = [Figure.Cell]()
        var numbers = [SummaryValue]()
        var layerName = ""
        var arrays = [(String, Tensor)]()
        for pair in pairs {
            guard let index = SampleChoice.example(of: pair, labels: evaluation.labels, predictions: evaluation.predictions,
                                                   generator: &generator) else { continue }
            let (single, _) = try context.dataset.batch([index])
            let twice = Tensor.stacking(batches: [single, single])
            let cam = try ClassActivationMaps.attribute(context.classifier, images: twice,
                                                        targets: [pair.trueClass, pair.predicted], method: .gradCAM,
                                                        layer: options.camLayer)
            layerName = cam.layer
            arrays.append(("confused_grad_cam_\(pair.trueClass)_as_\(pair.predicted)", cam.map))
            let scores = try context.classifier.scores(single)
            let (h, w) = (single.shape[2], single.shape[3])
            let input = try AttributionFigures.inputImage(single, index: 0, preprocessing: context.job.preprocessing)
            let a = context.className(pair.trueClass), b = context.className(pair.predicted)
            let confidence = index < evaluation.confidences.count ? Double(evaluation.confidences[index]) : .nan
            cells.append(Figure.Cell(input, caption: "image \(index) · \(percent(confidence)) · \(counted(pair.count, "error")) · \(a)→\(b)"))
            cells.append(Figure.Cell(try AttributionFigures.camOverlay(AttributionFigures.plane(cam.map, 0), width: w, height: h, on: input),
                                     caption: "Grad-CAM for \(a) (true)"))
            cells.append(Figure.Cell(try AttributionFigures.camOverlay(AttributionFigures.plane(cam.map, 1), width: w, height: h, on: input),
                                     caption: "Grad-CAM for \(b) (predicted)"))
            let logits = [scores.scalars[pair.trueClass], scores.scalars[pair.predicted]]
            numbers.append(.object([("true", .integer(pair.trueClass)), ("predicted", .integer(pair.predicted)),
                                    ("count", .integer(pair.count)), ("example", .integer(index)),
                                    ("true_logit", .number(Double(logits[0]))), ("predicted_logit", .number(Double(logits[1]))),
                                    ("layer", .text(cam.layer))]))
        }
        let prose: [String: Any] = ["pairs": numbers.count, "one": numbers.count == 1, "layer": layerName, "none": numbers.isEmpty]
        var blocks = try context.templates.blocks("gradients_confused", context: prose)
        if !cells.isEmpty {
            blocks.append(.figure(Figure(cells: cells, columns: 3,
                                         caption: try context.templates.text("gradients_confused_caption", ["layer": layerName]),
                                         colorBar: ColorBar(colorMap: .magma, range: 0...1, label: "Grad-CAM"), maxCellWidth: 95)))
        }
        return (blocks, .list(numbers), arrays)
    }
}
