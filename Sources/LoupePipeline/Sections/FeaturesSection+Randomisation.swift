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
        context.log("features: retraining on \(indices.count) images with shuffled labels")
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
        var rows = [[TableCell]]()
        var cells = [Figure.Cell]()
        for (row, index) in samples.enumerated() {
            var cells1 = [TableCell.text("\(index) (\(context.className(labels[row])))"), .number(saliencySpearman[row]),
                          .number(saliencySSIM[row])]
            let input = try AttributionFigures.inputImage(images, index: row, preprocessing: context.job.preprocessing)
            cells.append(Figure.Cell(input, caption: context.className(labels[row])))
            cells.append(Figure.Cell(try AttributionFigures.mapImage(AttributionFigures.plane(abs99[0], row), width: w, height: h), caption: "saliency, model"))
            cells.append(Figure.Cell(try AttributionFigures.mapImage(AttributionFigures.plane(abs99[1], row), width: w, height: h),
                                     caption: "shuffled labels"))
            if let cams {
                let ca = AttributionFigures.plane(cams[0], row), cb = AttributionFigures.plane(cams[1], row)
                cells1 += [.number(camSpearman[row]), .number(camSSIM[row])]
                cells.append(Figure.Cell(try AttributionFigures.camOverlay(ca, width: w, height: h, on: input), caption: "Grad-CAM, model"))
                cells.append(Figure.Cell(try AttributionFigures.camOverlay(cb, width: w, height: h, on: input), caption: "shuffled labels"))
            }
            rows.append(cells1)
        }
        var columns = [TableColumn("Image (class)", weight: 2), TableColumn("Saliency ρ", alignment: .right, format: .decimal(places: 2)),
                       TableColumn("Saliency SSIM", alignment: .right, format: .decimal(places: 2))]
        if cams != nil {
            columns += [TableColumn("Grad-CAM ρ", alignment: .right, format: .decimal(places: 2)),
                        TableColumn("Grad-CAM SSIM", alignment: .right, format: .decimal(places: 2))]
        }
        let mean = { (v: [Double]) -> Double in let f = v.filter(\.isFinite); return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count) }
        var part = FeaturePart()
        part.blocks = try context.templates.blocks("features_randomisation", context: TensorFigures.context([
            "images": training.images, "parameters": NumberFormat.integer.format(Double(outcome.parameters)),
            "steps": outcome.steps, "epochs": String(format: "%.2f", outcome.epochs),
            "initial_loss": String(format: "%.3f", outcome.initialLoss), "final_loss": String(format: "%.3f", outcome.finalLoss),
            "accuracy": String(format: "%.1f%%", 100 * outcome.finalShuffledAccuracy),
            "chance": String(format: "%.1f%%", 100 / Double(max(context.classNames.count, 1))),
            "memorising": outcome.finalShuffledAccuracy > 2 / Double(max(context.classNames.count, 1)) ? true : nil,
            "budget": outcome.stoppedByBudget ? String(format: "%.0f", options.budgetSeconds) : nil,
            "seconds": context.reproducible ? nil : String(format: "%.1f", outcome.seconds),
            "reproducible": context.reproducible && options.maxSteps == nil ? DataRandomisationOptions.reproducibleSteps : nil,
            "samples": samples.count, "cam": camLayer, "rho": TensorFigures.short(mean(saliencySpearman)),
            "cam_rho": cams == nil ? nil : TensorFigures.short(mean(camSpearman)),
        ]))
        part.blocks.append(.figure(Figure(cells: cells, columns: cams == nil ? 3 : 5,
                                          caption: try context.templates.text("features_randomisation_maps_caption", ["cam": cams == nil ? nil : true]),
                                          maxCellWidth: 60)))
        part.blocks.append(.table(DataTable(columns: columns, rows: rows,
                                            caption: try context.templates.text("features_randomisation_table_caption"))))
        part.numbers = .object([
            ("run", .flag(true)), ("training_images", .integer(training.images)), ("parameters", .integer(outcome.parameters)),
            ("steps", .integer(outcome.steps)), ("epochs", .number(outcome.epochs)), ("stopped_by_budget", .flag(outcome.stoppedByBudget)),
            ("initial_loss", .number(outcome.initialLoss)), ("final_loss", .number(outcome.finalLoss)),
            ("final_shuffled_accuracy", .number(outcome.finalShuffledAccuracy)), ("samples", .list(samples.map { .integer($0) })),
            ("saliency_spearman", .numbers(saliencySpearman)), ("saliency_ssim", .numbers(saliencySSIM)),
            ("gradcam_spearman", .numbers(camSpearman)), ("gradcam_ssim", .numbers(camSSIM)), ("seconds", .number(outcome.seconds)),
        ])
        return part
    }
}
