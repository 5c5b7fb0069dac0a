import Foundation
import LoupeAnalysis
import LoupeReport

extension SummarySection {
    /// The confusion matrix with the mistakes visible, and precision, recall, F1 and top confusions per class.
    ///
    /// On a linear scale of raw counts the diagonal outshines every mistake; so the chart leaves the diagonal out (grey)
    /// and the colour scale spans the mistakes only.
    func confusionBlocks(_ confusion: [[Int]], names: [String], templates: TemplateRenderer) throws -> (blocks: [Block], numbers: SummaryValue) {
        let classCount = confusion.count
        let metrics = ClassMetrics.of(confusion)
        let mistakes = ClassMetrics.mistakes(confusion)
        let worst = mistakes.flatMap { $0 }.filter(\.isFinite).max() ?? 0
        var blocks = try templates.blocks("summary_confusion", context: [
            "largest": counted(Int(worst), "image"), "has_errors": worst > 0,
        ])
        blocks.append(.chart(Chart(.heatmap(values: mistakes, rowLabels: names, columnLabels: names,
                                            colorMap: .magma, range: 0...max(worst, 1), annotate: classCount <= 12),
                                   title: "Mistakes: images of each true class predicted as another (diagonal left out)",
                                   xLabel: "predicted", yLabel: "true", height: classCount <= 12 ? 320 : 420)))
        let rows: [[TableCell]] = metrics.enumerated().map { c, m in
            let top = m.confusions.map { "\(names[$0.predicted]) \($0.count)" }.joined(separator: " · ")
            // Undefined shares (a class never predicted, or without images) print "–", as the caption says.
            let share = { (value: Double) -> TableCell in value.isFinite ? .number(value) : .text("–") }
            return [.text(names[c]), .number(Double(m.images)), share(m.precision), share(m.recall), share(m.f1),
                    .text(top.isEmpty ? "–" : top)]
        }
        let share = { (title: String) in TableColumn(title, alignment: .right, format: Quantity.accuracy.numberFormat) }
        blocks.append(.table(DataTable(columns: [TableColumn("Class", weight: 1.2), TableColumn("Images", alignment: .right, format: Quantity.count.numberFormat),
                                                 share("Precision"), share("Recall"), share("F1"), TableColumn("Most often taken for (images)", weight: 2.6)],
                                       rows: rows, caption: try templates.text("summary_class_metrics_caption"))))
        let numbers = SummaryValue.list(metrics.enumerated().map { c, m in
            .object([("class", .text(names[c])), ("precision", .number(m.precision)), ("recall", .number(m.recall)), ("f1", .number(m.f1)),
                     ("top_confusions", .list(m.confusions.map { .object([("predicted", .integer($0.predicted)), ("count", .integer($0.count))]) }))])
        })
        return (blocks, numbers)
    }
}
