import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension GradientsSection {
    /// The misclassified images the model was surest of, with saliency and Grad-CAM for the predicted and the true class.
    func confidentMistakes(_ context: JobContext, hasCAM: Bool) throws -> (blocks: [Block], numbers: SummaryValue, arrays: [(String, Tensor)]) {
        let evaluation = context.evaluation
        let indices = SampleChoice.confidentMistakes(labels: evaluation.labels, predictions: evaluation.predictions,
                                                     confidences: evaluation.confidences, count: options.confidentMistakes)
        let errors = zip(evaluation.labels, evaluation.predictions).filter { $0 != $1 }.count
        guard !indices.isEmpty else {
            return (try context.templates.blocks("gradients_mistakes", context: ["none": true]), .list([]), [])
        }
        let (images, labels) = try context.dataset.batch(indices)
        let predicted = indices.map { evaluation.predictions[$0] }
        var columns: [(title: String, result: GalleryMethodResult)] = [
            ("saliency, predicted", try attribute("saliency", context: context, images: images, targets: predicted)),
        ]
        if hasCAM {
            columns.append(("Grad-CAM, predicted", try attribute("grad-cam", context: context, images: images, targets: predicted)))
            columns.append(("Grad-CAM, true", try attribute("grad-cam", context: context, images: images, targets: labels)))
        }
        let (h, w) = (images.shape[2], images.shape[3])
        var cells = [Figure.Cell]()
        var numbers = [SummaryValue]()
        for (row, index) in indices.enumerated() {
            let input = try AttributionFigures.inputImage(images, index: row, preprocessing: context.job.preprocessing)
            let confidence = Double(evaluation.confidences[index])
            cells.append(Figure.Cell(input, caption: "\(index) · \(percent(confidence)) · \(context.className(labels[row]))→\(context.className(predicted[row]))"))
            var empty = [String]()
            for column in columns {
                let map = AttributionFigures.plane(column.result.display, row)
                let isCAM = AttributionMethods.named(column.result.method)?.isCAM == true
                let image = isCAM ? try AttributionFigures.camOverlay(map, width: w, height: h, on: input)
                    : try AttributionFigures.mapImage(map, width: w, height: h)
                let blank = EmptyMaps.isEmpty(map)
                if blank { empty.append(column.title) }
                cells.append(Figure.Cell(image, caption: blank ? column.title + " · empty" : column.title))
            }
            numbers.append(.object([("index", .integer(index)), ("label", .integer(labels[row])), ("prediction", .integer(predicted[row])),
                                    ("confidence", .number(confidence)), ("empty_maps", .list(empty.map { .text($0) }))]))
        }
        var blocks = try context.templates.blocks("gradients_mistakes", context: [
            "shown": counted(indices.count, "image"), "errors": Quantity.count.format(errors),
            "images": counted(evaluation.labels.count, "image"),
            "highest": percent(Double(evaluation.confidences[indices[0]])),
            "lowest": percent(Double(evaluation.confidences[indices[indices.count - 1]])), "cam": hasCAM,
        ])
        blocks.append(.figure(Figure(cells: cells, columns: 1 + columns.count,
                                     caption: try context.templates.text("gradients_mistakes_caption", ["cam": hasCAM ? true : nil]),
                                     colorBar: ColorBar(colorMap: .magma, range: 0...1, label: "normalised |attribution|"), maxCellWidth: 80)))
        var arrays: [(String, Tensor)] = [("mistake_images", images)]
        for column in columns { arrays.append(("mistake_" + column.title.replacingOccurrences(of: ", ", with: "_").replacingOccurrences(of: "-", with: "_").lowercased(), column.result.display)) }
        return (blocks, .list(numbers), arrays)
    }
}
