import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeTensor

/// The data randomisation test (Adebayo et al. 2018): retrain the architecture on shuffled labels and
/// compare saliency and Grad-CAM maps of the original and the retrained model on the same images.
struct DataRandomisationTest {
    let options: DataRandomisationOptions
    let trainingData: DatasetConfig?

    func run(_ context: JobContext) throws -> FeaturePart {
        let (names, parameters) = ShuffledLabelTraining.trainableParameters(of: context.model.graph)
        let why: String?
        if trainingData == nil {
            why = "no_training_data"
        } else if !options.enabled {
            why = "disabled"
        } else if names.isEmpty {
            why = "no_weights"
        } else if parameters > options.parameterCap {
            why = "too_many_parameters"
        } else {
            why = nil
        }
        let reason = try why.map { why in
            try context.templates.text("features_randomisation_reason", [
                why: true, "parameters": NumberFormat.integer.format(Double(parameters)),
                "cap": NumberFormat.integer.format(Double(options.parameterCap)),
            ])
        }
        if let reason {
            var part = FeaturePart()
            part.blocks = try context.templates.blocks("features_randomisation_skipped", context: ["reason": reason])
            part.numbers = .object([("run", .flag(false)), ("reason", .text(reason.replacingOccurrences(of: "<code>", with: "")
                .replacingOccurrences(of: "</code>", with: "")))])
            return part
        }
        return try compare(context, training: try retrain(context))
    }

    /// Loads (a seeded sample of) the training data and retrains on shuffled labels.
    func retrain(_ context: JobContext) throws -> (outcome: ShuffledLabelTraining.Outcome, images: Int) {
        var job = context.job
        if let trainingData { job.dataset = trainingData }
        let data = try DatasetFactory.open(job, sampleShape: context.dataset.sampleShape, classNames: context.job.classNames)
        var indices = Array(0..<data.count)
        if indices.count > options.maxImages {
            var generator = context.generator("features.data-randomisation.images")
            indices.shuffle(using: &generator)
            indices = Array(indices.prefix(options.maxImages)).sorted()
        }
        let batch = try data.batch(indices)
        let classes = context.classNames.count
        if let bad = batch.labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw LoupeError(.invalidInput, location: "training_data", "label \(batch.labels[bad]) of image \(indices[bad]) is outside 0..<\(classes)")
        }
        var trainer = ShuffledLabelTraining()
        trainer.seed = context.seed("features.data-randomisation")
        trainer.budgetSeconds = context.reproducible ? .infinity : options.budgetSeconds
        trainer.maxSteps = options.maxSteps ?? (context.reproducible ? DataRandomisationOptions.reproducibleSteps : nil)
        trainer.parameterCap = options.parameterCap
        trainer.learningRate = Float(options.learningRate)
        trainer.batchSize = options.batchSize
        context.log("features: retraining on \(counted(indices.count, "image")) with shuffled labels")
        let outcome = try trainer.train(context.classifier, images: batch.images, labels: batch.labels, log: context.log)
        return (outcome, indices.count)
    }

    /// Maps of both models on sample images, their similarity, the figure and the numbers.
    func compare(_ context: JobContext, training: (outcome: ShuffledLabelTraining.Outcome, images: Int)) throws -> FeaturePart {
        let outcome = training.outcome
        let shuffled = try Classifier(model: outcome.model)
        let samples = ActivationFigures.sampleIndices(context, count: options.samples)
        let (images, labels) = try context.dataset.batch(samples)
        let camLayer = try? ClassActivationMaps.defaultLayer(context.classifier, sampleShape: context.dataset.sampleShape)
        let comparison = try DataRandomisationComparison.compare(original: context.classifier, retrained: shuffled, images: images,
                                                                 labels: labels, camLayer: camLayer)
        let (saliencySpearman, saliencySSIM) = (comparison.saliencySpearman, comparison.saliencySSIM)
        let (camSpearman, camSSIM) = (comparison.camSpearman, comparison.camSSIM)
        let cams = comparison.cams
        let (h, w) = (images.shape[2], images.shape[3])
        let abs99 = comparison.saliency
        let empty = (saliency: comparison.saliencyEmpty, cam: comparison.camEmpty)
        var rows = [[TableCell]]()
        var cells = [Figure.Cell]()
        // An empty pair's scores are NaN: the table says "empty" instead of a number.
        func score(_ values: [Double], _ flags: [Bool], _ row: Int) -> TableCell {
            row < flags.count && flags[row] ? .text("empty") : .number(values[row])
        }
        func label(_ caption: String, _ plane: [Float]) -> String { EmptyMaps.isEmpty(plane) ? caption + " · empty" : caption }
        for (row, index) in samples.enumerated() {
            var cells1 = [TableCell.text("\(index) (\(context.className(labels[row])))"), score(saliencySpearman, empty.saliency, row),
                          score(saliencySSIM, empty.saliency, row)]
            let input = try AttributionFigures.inputImage(images, index: row, preprocessing: context.job.preprocessing)
            cells.append(Figure.Cell(input, caption: context.className(labels[row])))
            for (model, caption) in [(0, "saliency, model"), (1, "shuffled labels")] {
                let plane = AttributionFigures.plane(abs99[model], row)
                cells.append(Figure.Cell(try AttributionFigures.mapImage(plane, width: w, height: h), caption: label(caption, plane)))
            }
            if let cams {
                let ca = AttributionFigures.plane(cams[0], row), cb = AttributionFigures.plane(cams[1], row)
                cells1 += [score(camSpearman, empty.cam, row), score(camSSIM, empty.cam, row)]
                cells.append(Figure.Cell(try AttributionFigures.camOverlay(ca, width: w, height: h, on: input), caption: label("Grad-CAM, model", ca)))
                cells.append(Figure.Cell(try AttributionFigures.camOverlay(cb, width: w, height: h, on: input), caption: label("shuffled labels", cb)))
            }
            rows.append(cells1)
        }
        var columns = [TableColumn("Image (class)", weight: 2),
                       TableColumn("Saliency ρ", alignment: .right, format: Quantity.similarity.numberFormat),
                       TableColumn("Saliency SSIM", alignment: .right, format: Quantity.similarity.numberFormat)]
        if cams != nil {
            columns += [TableColumn("Grad-CAM ρ", alignment: .right, format: Quantity.similarity.numberFormat),
                        TableColumn("Grad-CAM SSIM", alignment: .right, format: Quantity.similarity.numberFormat)]
        }
        let verdicts = DataRandomisationVerdicts(comparison: comparison, fit: outcome.finalShuffledAccuracy, minFit: options.minFit)
        var part = FeaturePart()
        part.blocks = try context.templates.blocks("features_randomisation", context: TensorFigures.context([
            "images": counted(training.images, "training image"), "parameters": counted(outcome.parameters, "trainable parameter"),
            "steps": counted(outcome.steps, "step"), "epochs": String(format: "%.2f", outcome.epochs),
            "initial_loss": String(format: "%.3f", outcome.initialLoss), "final_loss": String(format: "%.3f", outcome.finalLoss),
            "accuracy": Quantity.accuracy.format(outcome.finalShuffledAccuracy),
            "chance": Quantity.accuracy.format(1 / Double(max(context.classNames.count, 1))),
            "min_fit": Quantity.accuracy.format(options.minFit),
            "memorising": verdicts.weak ? nil : true,
            "budget": outcome.stoppedByBudget ? String(format: "%.0f", options.budgetSeconds) : nil,
            "seconds": context.reproducible ? nil : String(format: "%.1f", outcome.seconds),
            "reproducible": context.reproducible && options.maxSteps == nil ? counted(DataRandomisationOptions.reproducibleSteps, "step") : nil,
            "samples": counted(samples.count, "image"), "cam": camLayer,
            "rho": Quantity.similarity.format(verdicts.saliencyMean), "rho_spread": verdicts.spreadText(saliencySpearman),
            "cam_rho": cams == nil ? nil : Quantity.similarity.format(verdicts.camMean),
            "cam_rho_spread": cams == nil ? nil : verdicts.spreadText(camSpearman),
            "saliency_verdict": verdicts.saliency.word, "cam_verdict": cams == nil ? nil : verdicts.cam.word,
            "threshold": Quantity.similarity.format(verdicts.threshold),
            "empty": verdicts.emptyText(cams != nil),
        ]))
        part.blocks.append(.figure(Figure(cells: cells, columns: cams == nil ? 3 : 5,
                                          caption: try context.templates.text("features_randomisation_maps_caption", ["cam": cams == nil ? nil : true]),
                                          maxCellWidth: 60)))
        part.blocks.append(.table(DataTable(columns: columns, rows: rows,
                                            caption: try context.templates.text("features_randomisation_table_caption"))))
        part.blocks.append(.table(verdicts.spreadTable(cam: cams != nil)))
        part.numbers = .object([
            ("run", .flag(true)), ("training_images", .integer(training.images)), ("parameters", .integer(outcome.parameters)),
            ("steps", .integer(outcome.steps)), ("epochs", .number(outcome.epochs)), ("stopped_by_budget", .flag(outcome.stoppedByBudget)),
            ("initial_loss", .number(outcome.initialLoss)), ("final_loss", .number(outcome.finalLoss)),
            ("final_shuffled_accuracy", .number(outcome.finalShuffledAccuracy)), ("min_fit", .number(options.minFit)),
            ("weak", .flag(verdicts.weak)), ("samples", .list(samples.map { .integer($0) })),
            ("saliency_spearman", .numbers(saliencySpearman)), ("saliency_ssim", .numbers(saliencySSIM)),
            ("gradcam_spearman", .numbers(camSpearman)), ("gradcam_ssim", .numbers(camSSIM)),
            ("saliency_empty", .integer(empty.saliency.filter { $0 }.count)), ("gradcam_empty", .integer(empty.cam.filter { $0 }.count)),
            ("verdicts", .object([("saliency", .text(verdicts.saliency.word))] + (cams == nil ? [] : [("grad-cam", .text(verdicts.cam.word))]))),
            ("similarity_threshold", .number(verdicts.threshold)), ("seconds", .number(outcome.seconds)),
        ])
        return part
    }
}
