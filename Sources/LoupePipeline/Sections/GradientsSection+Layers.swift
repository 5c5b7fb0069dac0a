import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension GradientsSection {
    /// Per-layer norms of the loss gradient over (a capped sample of) the dataset: chart, table, prose.
    func layerStatistics(_ context: JobContext) throws -> (blocks: [Block], numbers: SummaryValue) {
        let layers = LayerGradientStatistics.layers(of: context.model)
        guard !layers.isEmpty, context.dataset.count > 0, options.statisticsImages > 0 else {
            return (try context.templates.blocks("gradients_layers", context: ["no_layers": true]), .object([]))
        }
        var generator = context.generator("gradients.layers")
        let indices = SampleChoice.capped(count: context.dataset.count, cap: options.statisticsImages, generator: &generator)
        let batchSize = max(1, context.job.batchSize)
        let began = Date()
        context.log("gradients: layer statistics on \(counted(indices.count, "image"))")
        let report = try gathered(context).report(layers: layers)
        let seconds = Date().timeIntervalSince(began)
        let depths = report.layers.indices.map { Double($0 + 1) }
        func series(_ name: String, _ values: [Double], dashed: Bool = false) -> LineSeries {
            // Zero norms have no place on the log axis; NaN and infinite ones stay in, so the chart says how many it leaves out.
            LineSeries(name, points: zip(depths, values).filter { !($0.1.isFinite && $0.1 <= 0) }.map { ($0.0, $0.1) }, dashed: dashed)
        }
        let chart = Chart(.line(series: [series("‖∂L/∂θ‖ parameters", report.layers.map(\.parameterMean)),
                                         series("‖∂L/∂a‖ activations", report.layers.map(\.activationMean), dashed: true)],
                                logY: true),
                          title: "Gradient norm by depth", xLabel: "layer (1 = closest to the input)", yLabel: "L2 norm (log scale)",
                          height: 200,
                          caption: try context.templates.text("gradients_layers_caption", [
                              "batches": counted(report.losses.count, "batch", "batches"), "batch_size": counted(batchSize, "image"),
                          ]))
        let table = DataTable(columns: [TableColumn("#", alignment: .right, format: .integer, weight: 0.4),
                                        TableColumn("Layer", weight: 2.4, monospace: true),
                                        TableColumn("Op", weight: 0.8),
                                        TableColumn("Params", alignment: .right, format: .integer, weight: 1),
                                        TableColumn("‖∂L/∂θ‖ mean", alignment: .right, format: .scientific(places: 2), weight: 1.3),
                                        TableColumn("sd", alignment: .right, format: .scientific(places: 1), weight: 1.0),
                                        TableColumn("‖∂L/∂a‖ mean", alignment: .right, format: .scientific(places: 2), weight: 1.3),
                                        TableColumn("sd", alignment: .right, format: .scientific(places: 1), weight: 1.0)],
                              rows: report.layers.enumerated().map { depth, norms in
                                  [.number(Double(depth + 1)), .text(norms.layer.name), .text(norms.layer.opType),
                                   .number(Double(norms.layer.parameterCount)), .number(norms.parameterMean),
                                   .number(norms.parameterSpread), .number(norms.activationMean), .number(norms.activationSpread)]
                              },
                              caption: "Per-layer gradient norms: mean and standard deviation over batches.", maxLinesPerCell: 2)
        let ratio = report.firstToLastRatio
        var prose: [String: Any] = [
            "images": counted(indices.count, "image"), "batches": counted(report.losses.count, "batch", "batches"), "batch_size": batchSize, "layers": report.layers.count,
            "loss": FiniteText.format("%.3f", LayerGradientStatistics.mean(report.losses)),
            "ratio": ratio.map { String(format: "%.2g", $0) } ?? "undefined",
            // "1 times" reads wrongly: a ratio that prints as 1 is said in words.
            "ratio_one": ratio.map { String(format: "%.2g", $0) == "1" } ?? false,
            "vanishing": report.flow == .vanishing, "exploding": report.flow == .exploding, "healthy": report.flow == .healthy,
            "undetermined": report.flow == .undetermined,
            "low": String(format: "%.0e", LayerGradientStatistics.vanishingRatio),
            "high": String(format: "%.0e", LayerGradientStatistics.explodingRatio),
            "skipped": report.skippedParameters.joined(separator: ", "), "has_skipped": !report.skippedParameters.isEmpty,
        ]
        if !context.reproducible { prose["seconds"] = String(format: "%.1f", seconds) }
        var blocks = try context.templates.blocks("gradients_layers", context: prose)
        blocks += [.chart(chart), .table(table)]
        let layerNumbers: [SummaryValue] = report.layers.map { norms in
            .object([("name", .text(norms.layer.name)), ("op", .text(norms.layer.opType)),
                     ("activation", .text(norms.layer.activation)), ("parameters", .integer(norms.layer.parameterCount)),
                     ("parameter_norm_mean", .number(norms.parameterMean)), ("parameter_norm_sd", .number(norms.parameterSpread)),
                     ("activation_norm_mean", .number(norms.activationMean)), ("activation_norm_sd", .number(norms.activationSpread)),
                     ("parameter_norms", .numbers(norms.parameterNorms)), ("activation_norms", .numbers(norms.activationNorms))])
        }
        let numbers = SummaryValue.object([
            ("images", .integer(indices.count)), ("batch_size", .integer(batchSize)), ("losses", .numbers(report.losses)),
            ("first_to_last_ratio", ratio.map { .number($0) } ?? .text("undefined")), ("flow", .text(report.flow.rawValue)),
            ("vanishing_threshold", .number(LayerGradientStatistics.vanishingRatio)),
            ("exploding_threshold", .number(LayerGradientStatistics.explodingRatio)),
            ("skipped_parameters", .list(report.skippedParameters.map { .text($0) })),
            ("seconds", .number(seconds)), ("layers", .list(layerNumbers)),
        ])
        return (blocks, numbers)
    }
}
