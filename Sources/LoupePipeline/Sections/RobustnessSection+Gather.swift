import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeTensor

/// The robustness pass split for shards: each shard corrupts and scores its slice of the sampled images.
extension RobustnessSection: GatheringSection {
    /// What the pass needs: the model's input size, the corruption profile, the cells and the sampled images.
    struct RobustnessPlan {
        var shape: [Int]
        var height: Int
        var width: Int
        var profile: CorruptionProfile
        var corruptions: [String]
        var severities: [Int]
        var classCount: Int
        /// Sampled dataset indices, sorted.
        var indices: [Int]
        var pipeline: CorruptionPipeline
        /// Every (corruption, severity), corruption-major.
        var cells: [(name: String, severity: Int)]
    }

    /// Checks the options and the input shape, samples the images and builds the corruption pipeline.
    func robustnessPlan(_ context: JobContext) throws -> RobustnessPlan {
        try options.validate()
        let shape = context.dataset.sampleShape
        guard shape.count == 3 else {
            throw LoupeError(.invalidInput, location: "sections.robustness", "needs image inputs [C, H, W], got \(shape)")
        }
        let (height, width) = (shape[1], shape[2])
        let profile = options.resolvedProfile(height: height, width: width)
        let corruptions = options.orderedCorruptions, severities = options.orderedSeverities
        let classCount = context.evaluation.classCount
        let indices = try sampleIndices(labels: context.dataset.labels, classCount: classCount, seed: UInt64(context.job.seed))
        guard !indices.isEmpty else { throw LoupeError(.invalidInput, location: "sections.robustness", "the dataset has no images") }
        let pipeline = CorruptionPipeline(
            classifier: context.classifier,
            preprocessing: Self.geometryFree(DatasetFactory.preprocessing(for: context.job, sampleShape: shape)),
            profile: profile, jpegQ85: options.jpegQ85, seed: UInt64(context.job.seed), classCount: classCount, sampleShape: shape)
        return RobustnessPlan(shape: shape, height: height, width: width, profile: profile, corruptions: corruptions,
                              severities: severities, classCount: classCount, indices: indices, pipeline: pipeline,
                              cells: corruptions.flatMap { name in severities.map { (name: name, severity: $0) } })
    }

    /// Every cell's predictions on the shard's slice of the sampled images.
    func gather(_ context: JobContext, shard: ShardSpec) throws -> RobustnessGathered {
        let plan = try robustnessPlan(context)
        let slice = Array(plan.indices[shard.positions(of: plan.indices.count, batchSize: context.job.batchSize)])
        let started = Date()
        var seconds = (corrupting: 0.0, model: 0.0)
        let cells = try plan.pipeline.evaluate(dataset: context.dataset, indices: slice, cells: plan.cells,
                                               batchSize: context.job.batchSize, seconds: &seconds) { done, total in
            context.log(String(format: "robustness: %d of %d images through %d cells (%.0f s)", done, total, plan.cells.count,
                               Date().timeIntervalSince(started)))
        }
        return RobustnessGathered(cells: cells, secondsCorrupting: seconds.corrupting, secondsModel: seconds.model)
    }
}

/// One cell's predictions, image by image in sample order; replayed into a `RobustnessTally` in that order.
struct CellOutcomes: Sendable {
    var labels: [Int] = []
    var predictions: [Int] = []
    var confidences: [Double] = []

    mutating func append(label: Int, prediction: Int, confidence: Double) {
        labels.append(label)
        predictions.append(prediction)
        confidences.append(confidence)
    }

    /// The tally of these predictions, added in order (the same sums a single pass makes).
    func tally(classCount: Int) -> RobustnessTally {
        var tally = RobustnessTally(classCount: classCount)
        for i in labels.indices { tally.add(label: labels[i], prediction: predictions[i], confidence: confidences[i]) }
        return tally
    }
}

/// Every cell's predictions on a slice of the sampled images (lists concatenate in sample order).
struct RobustnessGathered: ShardPayload {
    var cells: [CellOutcomes]
    var secondsCorrupting = 0.0
    var secondsModel = 0.0

    /// One tally per cell, checked against the number of cells and sampled images.
    func tallies(classCount: Int, cells expected: Int, images: Int) throws -> [RobustnessTally] {
        guard cells.count == expected, cells.allSatisfy({ $0.labels.count == images }) else {
            throw LoupeError(.invalidInput, location: "shards", "robustness predictions for \(cells.count) cells, expected \(expected) of \(images) images")
        }
        return cells.map { $0.tally(classCount: classCount) }
    }

    mutating func append(_ next: RobustnessGathered) throws {
        guard next.cells.count == cells.count else {
            throw LoupeError(.invalidInput, location: "shards", "robustness predictions for \(next.cells.count) cells after \(cells.count)")
        }
        for c in cells.indices {
            cells[c].labels += next.cells[c].labels
            cells[c].predictions += next.cells[c].predictions
            cells[c].confidences += next.cells[c].confidences
        }
        secondsCorrupting += next.secondsCorrupting
        secondsModel += next.secondsModel
    }

    func encode(into writer: inout ShardWriter) {
        writer.double(secondsCorrupting)
        writer.double(secondsModel)
        writer.list(cells) { writer, cell in
            writer.ints(cell.labels); writer.ints(cell.predictions); writer.doubles(cell.confidences)
        }
    }

    static func decode(from reader: inout ShardReader) throws -> RobustnessGathered {
        let corrupting = try reader.double(), model = try reader.double()
        let cells = try reader.list("cells") { reader -> CellOutcomes in
            let cell = CellOutcomes(labels: try reader.ints("labels"), predictions: try reader.ints("predictions"),
                                    confidences: try reader.doubles("confidences"))
            guard cell.predictions.count == cell.labels.count, cell.confidences.count == cell.labels.count else {
                throw LoupeError(.invalidInput, file: reader.file, location: "robustness", "per-image lists of different lengths")
            }
            return cell
        }
        return RobustnessGathered(cells: cells, secondsCorrupting: corrupting, secondsModel: model)
    }
}
