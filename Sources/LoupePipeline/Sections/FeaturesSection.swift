import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeReport
import LoupeTensor

/// The features section: class models (Simonyan et al. 2013), regularised class and unit visualisations
/// (Yosinski et al. 2015) and the data randomisation test (Adebayo et al. 2018) when training data is given.
public struct FeaturesSection: ReportSection {
    public static let name = "features"
    public var options: FeaturesOptions
    /// The job's training data (nil: the data randomisation test is not run).
    public var trainingData: DatasetConfig?

    public init() { options = FeaturesOptions() }

    public init(options: FeaturesOptions, job: JobConfig) { self.init(options: options, trainingData: job.trainingData) }
    public init(options: FeaturesOptions, trainingData: DatasetConfig? = nil) {
        self.options = options
        self.trainingData = trainingData
    }

    public func make(_ context: JobContext) throws -> SectionOutput {
        try options.validate()
        let began = Date()
        let space = try FeatureFigures.space(context)
        var blocks = try context.templates.blocks("features_intro", context: ["classes": context.classNames.count])
        var numbers = [(String, SummaryValue)]()
        var arrays = [(String, Tensor)]()
        var figures = [(String, RasterImage)]()
        func add(_ key: String, _ part: FeaturePart) {
            blocks += part.blocks
            numbers.append((key, part.numbers))
            if let images = part.images { arrays.append((key, images)) }
            if let figure = part.figure { figures.append((key, figure)) }
        }
        let classes = ActivationLayers.evenlySpaced(Array(0..<context.classNames.count), limit: options.maxClasses)
        if options.classModels && !classes.isEmpty {
            context.log("features: class models of \(counted(classes.count, "class", "classes"))")
            add("class_models", try FeatureFigures.classModels(context, classes: classes, space: space, options: options))
        }
        if options.regularisedClasses && !classes.isEmpty {
            context.log("features: regularised class visualisations")
            add("regularised_classes", try FeatureFigures.regularisedClasses(context, classes: classes, space: space, options: options))
        }
        let layers = try FeatureFigures.unitLayers(context, options: options)
        var layerNumbers = [SummaryValue]()
        for layer in layers {
            context.log("features: units of \(layer.value)")
            let part = try FeatureFigures.units(context, layer: layer, space: space, options: options)
            blocks += part.blocks
            layerNumbers.append(part.numbers)
            if let images = part.images { arrays.append(("units_" + ActivationFigures.fileName(layer.value), images)) }
            if let figure = part.figure { figures.append(("units_" + ActivationFigures.fileName(layer.value), figure)) }
        }
        numbers.append(("unit_layers", .list(layerNumbers)))
        blocks += try context.templates.blocks("features_caveats", context: [:])
        let randomisation = try DataRandomisationTest(options: options.randomisation, trainingData: trainingData).run(context)
        blocks += randomisation.blocks
        numbers.append(("data_randomisation", randomisation.numbers))
        numbers.append(("seconds", .number(Date().timeIntervalSince(began))))
        return SectionOutput(key: Self.name, numbers: .object(numbers),
                             sections: [Section(title: "Feature visualisation", anchor: "features", blocks: blocks)],
                             arrays: arrays, figures: figures)
    }
}

/// One part of the features section: blocks, numbers, the optimised images and the drawn grid.
struct FeaturePart {
    var blocks: [Block] = []
    var numbers: SummaryValue = .object([])
    var images: Tensor?
    var figure: RasterImage?
}

extension JobContext {
    /// One 64-bit seed for `purpose`, derived from the job seed.
    func seed(_ purpose: String) -> UInt64 {
        var generator = generator(purpose)
        return generator.next()
    }
}
