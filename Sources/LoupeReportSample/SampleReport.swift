import Foundation
import LoupeReport

/// Builds the ~30-page sample report that exercises every block type (`loupe render-sample`).
public struct SampleReport {
    let templates: TemplateRenderer
    let scatterPoints: Int
    var data = SampleData()
    let classes = SampleData.classNames
    let accuracy: [Double]

    /// Creates a builder using prose templates from `templates`.
    public init(templates: TemplateRenderer, scatterPoints: Int = 10_000) {
        self.templates = templates
        self.scatterPoints = scatterPoints
        var r = SampleRandom(seed: 7)
        accuracy = SampleData.classNames.map { _ in 0.78 + 0.2 * r.uniform() }
    }

    /// The complete sample document.
    public static func document(templates: TemplateRenderer, scatterPoints: Int = 10_000, version: String = "0.1.0") throws -> Document {
        var builder = SampleReport(templates: templates, scatterPoints: scatterPoints)
        var doc = Document(title: "Loupe report: cifar-demo", subtitle: "What a ResNet-8 learned from CIFAR-like images",
                           author: "Loupe sample generator", subject: "Image classifier analysis",
                           keywords: ["loupe", "classifier", "interpretability", "sample"], generatorVersion: version,
                           titlePageFacts: [("Model", "resnet8-demo.onnx"), ("Dataset", "cifar-demo (10 classes)"),
                                            ("Test images", "10,000"), ("Top-1 accuracy", "87.4%"), ("Seed", "42")])
        doc.append(try builder.overview(version: version))
        doc.append(try builder.dataset())
        doc.append(try builder.training())
        doc.append(try builder.weights())
        doc.append(builder.activations())
        doc.append(try builder.attributions())
        doc.append(try builder.robustness())
        doc.append(try builder.embeddings())
        doc.append(builder.confusion())
        doc.append(builder.perClass())
        doc.append(builder.caveats())
        doc.append(builder.appendix())
        return doc
    }

    func percent(_ v: Double) -> String { NumberFormat.percent(places: 1).format(v) }

    mutating func overview(version: String) throws -> Section {
        let worst = accuracy.indices.min { accuracy[$0] < accuracy[$1] } ?? 0
        let best = accuracy.indices.max { accuracy[$0] < accuracy[$1] } ?? 0
        let context: [String: Any] = [
            "model": "resnet8-demo.onnx", "dataset": "cifar-demo", "version": version, "images": "10,000",
            "classes": classes.count, "accuracy": "87.4%", "top5": "99.1%", "seed": 42,
            "worst_class": classes[worst], "worst_accuracy": percent(accuracy[worst]),
            "best_class": classes[best], "best_accuracy": percent(accuracy[best]),
        ]
        var section = Section(title: "Overview", anchor: "overview", blocks: try templates.blocks("sample_intro", context: context))
        section.append(.heading("Run facts", level: 2))
        section.append(.keyValue([("Model file", "models/resnet8-demo.onnx (1.2 MB, 78,042 parameters)"),
                                  ("Input", "3×32×32, normalised with mean 0.49 / std 0.25"),
                                  ("Dataset", "cifar-demo, test split, 10,000 images"),
                                  ("Class names", classes.joined(separator: ", ")),
                                  ("Analyses", "weights, activations, integrated gradients, 15 corruptions, t-SNE"),
                                  ("Run folder", "reports/cifar-demo/2024-05-01T12-00-00Z")]))
        return section
    }

    mutating func dataset() throws -> Section {
        var r = SampleRandom(seed: 3)
        let counts = classes.map { _ in 900 + Int(200 * r.uniform()) }
        let context: [String: Any] = ["images": "10,000", "size": 32, "min_count": counts.min() ?? 0,
                                      "max_count": counts.max() ?? 0, "odd_names": ["<b>&", "Δέλτα αβγ", "猫 (cat)"],
                                      "mean": "0.012", "std": "0.998"]
        var blocks = try templates.blocks("sample_dataset", context: context)
        let table = DataTable(columns: [TableColumn("#", alignment: .right, format: .integer, weight: 0.4),
                                        TableColumn("Class", weight: 2),
                                        TableColumn("Images", alignment: .right, format: .integer),
                                        TableColumn("Share", alignment: .right, format: .percent(places: 1)),
                                        TableColumn("Accuracy", alignment: .right, format: .percent(places: 1), shaded: true)],
                              rows: classes.indices.map { i in
                                  [.number(Double(i)), .text(classes[i]), .number(Double(counts[i])),
                                   .number(Double(counts[i]) / Double(counts.reduce(0, +))), .number(accuracy[i])]
                              },
                              caption: "Classes of the test split with per-class accuracy (shaded: viridis).",
                              shading: TableShading(colorMap: .viridis, range: 0.7...1))
        blocks.insert(.table(table), at: 1)
        var pixels: [Double] = []
        for _ in 0..<20_000 { pixels.append(data.random.normal() * 0.9 + (data.random.uniform() < 0.3 ? 1.2 : -0.3)) }
        blocks.append(.chart(Chart(.histogram(values: pixels, bins: 60), title: "Pixel intensity after normalisation",
                                   xLabel: "normalised intensity", yLabel: "pixels", height: 200)))
        blocks.append(.heading("Example images", level: 2))
        let cells = (0..<12).map { i in Figure.Cell(data.picture(size: 32, hue: i % 10), caption: classes[i % 10]) }
        blocks.append(.figure(Figure(cells: cells, columns: 6, caption: "Twelve test images at their native 32×32 resolution, enlarged without smoothing.",
                                     maxCellWidth: 72)))
        return Section(title: "Dataset", anchor: "dataset", blocks: blocks)
    }

    mutating func training() throws -> Section {
        let epochs = 60
        let (train, validation) = data.lossCurves(epochs: epochs)
        let context: [String: Any] = ["epochs": epochs, "train_loss": String(format: "%.3f", train.last?.1 ?? 0),
                                      "val_loss": String(format: "%.3f", validation.last?.1 ?? 0),
                                      "gap": String(format: "%.3f", (validation.last?.1 ?? 0) - (train.last?.1 ?? 0)),
                                      "overfit_epoch": 24]
        var blocks = try templates.blocks("sample_training", context: context)
        blocks.insert(.chart(Chart(.line(series: [LineSeries("training loss", points: train),
                                                  LineSeries("validation loss", points: validation, dashed: true)], logY: true),
                                   title: "Loss per epoch (log scale)", xLabel: "epoch", yLabel: "cross-entropy", height: 230)), at: 1)
        let trainAcc = train.map { ($0.0, 1 - 0.9 * exp(-$0.0 / 8)) }
        let valAcc = validation.map { ($0.0, 0.87 - 0.77 * exp(-$0.0 / 10)) }
        blocks.append(.chart(Chart(.line(series: [LineSeries("training accuracy", points: trainAcc),
                                                  LineSeries("validation accuracy", points: valAcc, dashed: true)], logY: false),
                                   title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", height: 200)))
        blocks.append(.heading("Training log", level: 2))
        var rows: [[TableCell]] = []
        for e in 0..<epochs {
            let learningRate: Double = 0.1 * pow(0.5, Double(e / 20))
            let values: [Double] = [Double(e + 1), train[e].1, validation[e].1, trainAcc[e].1, valAcc[e].1, learningRate,
                                    Double(e + 1) * 781]
            rows.append(values.map { TableCell.number($0) })
        }
        blocks.append(.table(DataTable(columns: [TableColumn("Epoch", alignment: .right, format: .integer, weight: 0.6),
                                                 TableColumn("Train loss", alignment: .right, format: .decimal(places: 4)),
                                                 TableColumn("Val. loss", alignment: .right, format: .decimal(places: 4)),
                                                 TableColumn("Train acc.", alignment: .right, format: .percent(places: 2)),
                                                 TableColumn("Val. acc.", alignment: .right, format: .percent(places: 2)),
                                                 TableColumn("Learning rate", alignment: .right, format: .scientific(places: 2)),
                                                 TableColumn("Steps", alignment: .right, format: .integer)],
                                       rows: rows, caption: "Per-epoch training log; the header repeats on each page.")))
        return Section(title: "Training", anchor: "training", blocks: blocks)
    }
}
