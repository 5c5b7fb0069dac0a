import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeData
import LoupeReport
import LoupeTensor

/// The "Robustness" report section: accuracy, corruption error and calibration under the common corruptions.
public struct RobustnessSection: ReportSection {
    public static let name = "robustness"
    public var options: RobustnessOptions

    /// A section with the default options.
    public init() { options = RobustnessOptions() }

    /// A section with explicit options.
    public init(options: RobustnessOptions) { self.options = options }
    public init(options: RobustnessOptions, job: JobConfig) { self.init(options: options) }

    public func make(_ context: JobContext) throws -> SectionOutput {
        let began = Date()
        let result = try compute(context)
        var output = try pages(result, context: context)
        if !result.baselineDifferences.isEmpty, !output.sections.isEmpty {
            output.sections[0].blocks.insert(.callout(Callout(.warning, title: "The baseline was scored on other images", body: [
                TextRun("The robustness baseline and this run differ: " + result.baselineDifferences.joined(separator: "; ")
                        + ". Its errors still normalise the corruption error, but no relative corruption error is given: computed from different images it would report a change of data as a change of robustness."),
            ])), at: 0)
        }
        output.records.append(("robustness_correct.csv", RunRecords.robustnessCorrectness(result)))
        if case .object(var entries) = output.numbers {
            entries.append(("seconds", .number(Date().timeIntervalSince(began))))
            entries.append(("seconds_corrupting", .number(result.secondsCorrupting)))
            entries.append(("seconds_model", .number(result.secondsModel)))
            output.numbers = .object(entries)
        }
        return output
    }

    /// Samples the images, corrupts them cell by cell, runs the model and derives every metric.
    func compute(_ context: JobContext) throws -> RobustnessResult {
        let plan = try robustnessPlan(context)
        let (corruptions, severities, classCount, indices, pipeline) = (plan.corruptions, plan.severities, plan.classCount, plan.indices, plan.pipeline)
        let (height, width, profile, shape) = (plan.height, plan.width, plan.profile, plan.shape)
        var baseline: RobustnessBaseline?
        if let path = options.baselinePath {
            let read = try RobustnessBaseline.read(path: path)
            try read.checkCovers(corruptions: corruptions, severities: severities)
            baseline = read
        }
        let gathered = try self.gathered(context)
        let tallies = try gathered.tallies(classCount: classCount, cells: plan.cells.count, images: indices.count)
        let seconds = (corrupting: gathered.secondsCorrupting, model: gathered.secondsModel)
        var clean = RobustnessTally(classCount: classCount)
        let evaluation = context.evaluation
        for i in indices where i < evaluation.labels.count {
            clean.add(label: evaluation.labels[i], prediction: evaluation.predictions[i], confidence: Double(evaluation.confidences[i]))
        }
        var grid = [[RobustnessTally]]()
        for c in corruptions.indices { grid.append(Array(tallies[(c * severities.count)..<((c + 1) * severities.count)])) }
        let sample = try sampleFigureImages(context, pipeline: pipeline, indices: indices, corruptions: corruptions)
        return RobustnessResult(
            corruptions: corruptions, severities: severities, profile: profile, height: height, width: width,
            channels: shape[0], images: indices.count, classCount: classCount, clean: clean, cells: grid,
            alexNetApplies: RobustnessMetrics.alexNetApplies(profileIsImageNet: profile == .imagenet, height: height, width: width,
                                                            classes: classCount),
            baseline: baseline, jpegQ85: options.jpegQ85, sample: sample, secondsCorrupting: seconds.corrupting,
            secondsModel: seconds.model, indices: indices,
            baselineDifferences: baseline?.differences(profile: profile.rawValue, images: indices.count,
                                                       datasetFingerprint: context.dataset.fingerprint) ?? [])
    }

    /// A stratified seeded sample of `imagesPerCorruption` images (all when 0 or at least the dataset size), sorted.
    func sampleIndices(labels: [Int], classCount: Int, seed: UInt64) throws -> [Int] {
        let wanted = options.imagesPerCorruption
        guard wanted > 0 && wanted < labels.count else { return Array(labels.indices) }
        let classes = max(1, Set(labels).count)
        let perClass = (wanted + classes - 1) / classes
        var selected = try selectIndices(labels: labels, classCount: max(classCount, (labels.max() ?? 0) + 1),
                                         options: DatasetOptions(perClass: perClass, seed: seed ^ 0x726F_6275_7374))
        if selected.count > wanted {
            var generator = SeededGenerator(seed: seed ^ 0x7375_6273_6574)
            for i in stride(from: selected.count - 1, to: 0, by: -1) { selected.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            selected = Array(selected.prefix(wanted)).sorted()
        }
        return selected
    }

    /// The job's preprocessing without resize and crop: corrupted images already have the model's size.
    static func geometryFree(_ preprocessing: Preprocessing) -> Preprocessing {
        var copy = preprocessing
        copy.resizeShortSide = nil
        copy.resizeTo = nil
        copy.centerCrop = nil
        return copy
    }

    /// One sample image (a clean-correct one when possible, chosen with the job seed) through every corruption at severity 3.
    func sampleFigureImages(_ context: JobContext, pipeline: CorruptionPipeline, indices: [Int],
                            corruptions: [String]) throws -> RobustnessSample? {
        let evaluation = context.evaluation
        let correct = indices.filter { $0 < evaluation.labels.count && evaluation.labels[$0] == evaluation.predictions[$0] }
        let pool = correct.isEmpty ? indices : correct
        guard !pool.isEmpty else { return nil }
        var generator = context.generator("robustness-sample")
        let index = pool[Int(generator.next() % UInt64(pool.count))]
        let (tensor, labels) = try context.dataset.batch([index])
        guard let clean = try pipeline.displayImages(tensor).first else { return nil }
        let images = try corruptions.map { try pipeline.corruptOne(clean, index: index, name: $0, severity: 3) }
        return RobustnessSample(index: index, label: labels.first ?? 0, clean: clean, corrupted: images)
    }
}
