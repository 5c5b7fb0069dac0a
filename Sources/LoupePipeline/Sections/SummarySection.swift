import Foundation
import LoupeEngine
import LoupeReport
import LoupeTensor

/// The run summary: model table, dataset, clean accuracy, confusion matrix, per-class accuracy.
public struct SummarySection: ReportSection {
    public static let name = "summary"
    public init() {}

    public func make(_ context: JobContext) throws -> SectionOutput {
        let evaluation = context.evaluation
        let summary = try ModelSummary(model: context.model, batchSize: 1)
        let classCount = evaluation.classCount
        let confusion = evaluation.confusion
        let perClass = (0..<classCount).map { c -> (total: Int, correct: Int) in
            (confusion[c].reduce(0, +), confusion[c][c])
        }
        let meanConfidence = evaluation.confidences.isEmpty ? 0
            : Double(evaluation.confidences.reduce(0, +)) / Double(evaluation.confidences.count)
        var blocks = [Block]()
        let facts: [String: Any] = [
            "model": (context.job.modelPath as NSString).lastPathComponent,
            "parameters": counted(summary.totalParameters, "parameter"),
            "multiply_adds": String(format: "%.2f M", Double(summary.totalMultiplyAdds) / 1e6),
            "images": counted(evaluation.labels.count, "image"),
            "classes": counted(classCount, "class", "classes"),
            "accuracy": Quantity.accuracy.format(evaluation.accuracy),
            "confidence": finitePercent(meanConfidence),
        ]
        blocks += try context.templates.blocks("summary_intro", context: facts)
        let nonFinite = NonFiniteWeights(context.model.graph)
        if !nonFinite.isEmpty { blocks += try nonFiniteBlocks(nonFinite, templates: context.templates) }
        blocks.append(.keyValue([
            ("Model file", (context.job.modelPath as NSString).lastPathComponent),
            ("Producer / opset", "\(summary.producer.isEmpty ? "unknown" : summary.producer) / \(summary.opset)"),
            ("Input", summary.inputs.sorted { $0.key < $1.key }.map { "\($0.key) \(shapeText($0.value))" }.joined(separator: ", ")),
            ("Parameters", Inspection.grouped(summary.totalParameters)),
            ("Multiply-adds per image", Inspection.grouped(summary.totalMultiplyAdds)),
            ("Dataset", "\(context.job.dataset.kind) · \(counted(evaluation.labels.count, "image")) · \(counted(classCount, "class", "classes"))"),
            ("Clean accuracy", Quantity.accuracy.format(evaluation.accuracy)),
            ("Mean confidence", finitePercent(meanConfidence)),
        ]))
        blocks.append(.heading("Layers", level: 2))
        blocks.append(.table(try layerTable(summary, context)))
        blocks.append(.heading("Accuracy by class", level: 2))
        blocks += try context.templates.blocks("summary_accuracy", context: facts)
        blocks.append(.chart(Chart(.bars(categories: (0..<classCount).map(context.className), series: ["accuracy"],
                                         values: [perClass.map { $0.total == 0 ? 0 : Double($0.correct) / Double($0.total) }]),
                                   title: "Accuracy per class", xLabel: "class", yLabel: "accuracy", height: 200)))
        blocks.append(.table(DataTable(
            columns: [TableColumn("Class"), TableColumn("Images", alignment: .right, format: .integer),
                      TableColumn("Correct", alignment: .right, format: .integer),
                      TableColumn("Accuracy", alignment: .right, format: Quantity.accuracy.numberFormat, shaded: true)],
            rows: (0..<classCount).map { c in
                [.text(context.className(c)), .number(Double(perClass[c].total)), .number(Double(perClass[c].correct)),
                 .number(perClass[c].total == 0 ? 0 : Double(perClass[c].correct) / Double(perClass[c].total))]
            },
            caption: "Shading: brighter is worse (lower accuracy), as in the mistakes matrix.",
            shading: TableShading(colorMap: .magma, reversed: true))))
        blocks.append(.heading("Confusion matrix", level: 2))
        let names = (0..<classCount).map(context.className)
        let confusionPart = try confusionBlocks(confusion, names: names, templates: context.templates)
        blocks += confusionPart.blocks
        var entries: [(String, SummaryValue)] = [
            ("images", .integer(evaluation.labels.count)),
            ("classes", .list((0..<classCount).map { .text(context.className($0)) })),
            ("accuracy", .number(evaluation.accuracy)),
            ("mean_confidence", .number(meanConfidence)),
            ("per_class_accuracy", .numbers(perClass.map { $0.total == 0 ? 0 : Double($0.correct) / Double($0.total) })),
            ("confusion", .list(confusion.map { .list($0.map { .integer($0) }) })),
            ("per_class", confusionPart.numbers),
            ("parameters", .integer(summary.totalParameters)),
            ("multiply_adds", .integer(summary.totalMultiplyAdds)),
            ("layers", .list(summary.layers.map { layer in
                .object([("name", .text(layer.name)), ("op", .text(layer.op)), ("output_shape", .list(layer.outputShape.map { .integer($0) })),
                         ("parameters", .integer(layer.parameters)), ("multiply_adds", .integer(layer.multiplyAdds))])
            })),
        ]
        if !nonFinite.isEmpty { entries.append(("non_finite_weights", nonFinite.summary)) }
        return SectionOutput(key: Self.name, numbers: .object(entries),
                             sections: [Section(title: "Run summary", anchor: "summary", blocks: blocks)])
    }

    /// Which tensors hold NaN or infinite weights and what follows from them: a paragraph and a table.
    func nonFiniteBlocks(_ weights: NonFiniteWeights, templates: TemplateRenderer) throws -> [Block] {
        let counts = weights.entries.map { entry -> [TableCell] in
            [.text(NonFiniteWeights.Entry.printable(entry.tensor)),
             .text(entry.nodes.prefix(3).map(NonFiniteWeights.Entry.printable).joined(separator: ", ")),
             .number(Double(entry.nan)), .number(Double(entry.positiveInfinity)), .number(Double(entry.negativeInfinity)),
             .number(Double(entry.values))]
        }
        return [.heading("Non-finite weights", level: 2)]
            + (try templates.blocks("summary_non_finite_weights", context: ["tensors": weights.sentence]))
            + [.table(DataTable(columns: [TableColumn("Tensor", weight: 2, monospace: true), TableColumn("Read by", weight: 1.5, monospace: true),
                                          TableColumn("NaN values", alignment: .right, format: .integer),
                                          TableColumn("+∞ values", alignment: .right, format: .integer),
                                          TableColumn("−∞ values", alignment: .right, format: .integer),
                                          TableColumn("All values", alignment: .right, format: .integer)],
                                rows: counts, caption: "Weights that are NaN or infinite, per tensor."))]
    }

    /// Above this many nodes the layer table keeps only those with parameters or multiply-adds.
    static let fullLayerTableLimit = 200

    /// Every running node, or for a large graph (a transformer's reshapes, slices and element-wise
    /// ops run to hundreds of nodes) only those with parameters or multiply-adds; all are in summary.json.
    func layerTable(_ summary: ModelSummary, _ context: JobContext, limit: Int = fullLayerTableLimit) throws -> DataTable {
        let all = summary.layers
        let shown = all.count > limit ? all.filter { $0.parameters > 0 || $0.multiplyAdds > 0 } : all
        return DataTable(columns: [TableColumn("Node", weight: 2.2, monospace: true), TableColumn("Op"),
                                   TableColumn("Output shape", weight: 1.4, monospace: true),
                                   TableColumn("Parameters", alignment: .right, format: .integer),
                                   TableColumn("Mult-adds", alignment: .right, format: .integer)],
                         rows: shown.map { layer in
                             [.text(layer.name), .text(layer.op), .text(shapeText(layer.outputShape)),
                              .number(Double(layer.parameters)), .number(Double(layer.multiplyAdds))]
                         } + [[.text("Total"), .text(""), .text(""), .number(Double(summary.totalParameters)),
                               .number(Double(summary.totalMultiplyAdds))]],
                         caption: try context.templates.text("summary_layers_caption", [
                             "folded": counted(summary.foldedNodes, "node", verb: ("was", "were")),
                             "shown": shown.count < all.count ? "\(shown.count)" : nil, "all": counted(all.count, "node"),
                         ]))
    }
}

/// `[1, 3, 32, 32]`.
func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// A share as a percentage, or a note when it is NaN or infinite (a model with non-finite outputs).
func finitePercent(_ share: Double) -> String {
    share.isFinite ? Quantity.confidence.format(share) : "undefined (the model's outputs are not finite)"
}
