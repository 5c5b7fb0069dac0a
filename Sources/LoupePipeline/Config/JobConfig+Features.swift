import Foundation

extension FeaturesOptions: SectionOptions {
    /// Keys of `jobs[i].sections.features`.
    public static var keys: [OptionKey] { [
        OptionKey("class_models", ["type": "boolean", "default": true],
                  "Class models (Simonyan et al. 2013), one per class."),
        OptionKey("regularised_classes", ["type": "boolean", "default": true],
                  "Class visualisations with the regularisers of Yosinski et al. (2015)."),
        OptionKey("max_classes", ["type": "integer", "minimum": 1, "maximum": 1000, "default": 20],
                  "Classes drawn at most (evenly spaced when the model has more)."),
        OptionKey("class_iterations", ["type": "integer", "minimum": 1, "maximum": 100000, "default": 200]),
        OptionKey("class_l2", ["type": "number", "exclusiveMinimum": 0],
                  "λ of the L2 penalty; default: calibrated from the gradient at the zero image."),
        OptionKey("class_step", ["type": "number", "exclusiveMinimum": 0],
                  "Gradient-ascent step; default: 0.05/(2λ)."),
        OptionKey("layers", ["type": "array", "items": ["type": "string"], "minItems": 1],
                  "Values whose units are visualised; default: the last spatial feature map and the vector feeding the last fully connected layer."),
        OptionKey("units", ["type": "integer", "minimum": 1, "maximum": 512, "default": 8],
                  "Units per layer (the most active on the first 64 images)."),
        OptionKey("iterations", ["type": "integer", "minimum": 1, "maximum": 100000, "default": 200],
                  "Regularised activation maximisation steps."),
        OptionKey("step", ["type": "number", "exclusiveMinimum": 0, "default": 0.02],
                  "Step as a fraction of the pixel range (with normalise_gradient)."),
        OptionKey("decay", ["type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0.02],
                  "L2 decay per step."),
        OptionKey("blur_width", ["type": "number", "minimum": 0, "maximum": 20, "default": 0.75],
                  "Gaussian blur σ in pixels (0: off)."),
        OptionKey("blur_every", ["type": "integer", "minimum": 1, "maximum": 100000, "default": 4]),
        OptionKey("norm_percentile", ["type": "number", "minimum": 0, "exclusiveMaximum": 100, "default": 0],
                  "Zero pixels with norm below this percentile (0: off)."),
        OptionKey("contribution_percentile", ["type": "number", "minimum": 0, "exclusiveMaximum": 100, "default": 0],
                  "Zero pixels with contribution below this percentile (0: off)."),
        OptionKey("jitter", ["type": "integer", "minimum": 0, "maximum": 64, "default": 1],
                  "Random shift in pixels before each step (0: off)."),
        OptionKey("normalise_gradient", ["type": "boolean", "default": true],
                  "Divide the gradient by its mean magnitude."),
        OptionKey("data_randomisation", ["oneOf": [["type": "boolean"], DataRandomisationOptions.objectSchema]],
                  "Retrain on shuffled labels and compare maps (needs training_data)."),
    ].sized(ComputeBudget.featuresKnobs.map(\.key)) }

    /// Reads `jobs[i].sections.features` (absent or boolean: defaults).
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self {
        var options = FeaturesOptions()
        if let v = reader.bool(object, "class_models", path) { options.classModels = v }
        if let v = reader.bool(object, "regularised_classes", path) { options.regularisedClasses = v }
        if let v = reader.int(object, "class_iterations", path, range: keys.integerRange("class_iterations")) { options.classIterations = v }
        if let v = reader.int(object, "max_classes", path, range: keys.integerRange("max_classes")) { options.maxClasses = v }
        options.classL2 = LoupeConfig.positive(reader.double(object, "class_l2", path), "\(path).class_l2", reader)
        options.classStep = LoupeConfig.positive(reader.double(object, "class_step", path), "\(path).class_step", reader)
        if let v = reader.strings(object, "layers", path) {
            if v.isEmpty { reader.problem("\(path).layers", "expected at least one value name") }
            options.layers = v
        }
        if let v = reader.int(object, "units", path, range: keys.integerRange("units")) { options.units = v }
        if let v = reader.int(object, "iterations", path, range: keys.integerRange("iterations")) { options.iterations = v }
        if let v = LoupeConfig.positive(reader.double(object, "step", path), "\(path).step", reader) { options.stepSize = v }
        if let v = LoupeConfig.fraction(reader.double(object, "decay", path), below: 1, "\(path).decay", reader) { options.decay = v }
        if let v = reader.double(object, "blur_width", path) {
            if v >= 0 && v <= 20 { options.blurWidth = v } else { reader.problem("\(path).blur_width", "must be between 0 and 20 pixels") }
        }
        if let v = reader.int(object, "blur_every", path, range: keys.integerRange("blur_every")) { options.blurEvery = v }
        if let v = LoupeConfig.fraction(reader.double(object, "norm_percentile", path), below: 100, "\(path).norm_percentile", reader) {
            options.normPercentile = v
        }
        if let v = LoupeConfig.fraction(reader.double(object, "contribution_percentile", path), below: 100, "\(path).contribution_percentile", reader) {
            options.contributionPercentile = v
        }
        if let v = reader.int(object, "jitter", path, range: keys.integerRange("jitter")) { options.jitter = v }
        if let v = reader.bool(object, "normalise_gradient", path) { options.normaliseGradient = v }
        options.randomisation = DataRandomisationOptions.read(object["data_randomisation"], "\(path).data_randomisation", reader: reader)
        return options
    }
}

extension DataRandomisationOptions {
    /// Keys of `jobs[i].sections.features.data_randomisation`.
    public static let keys: [OptionKey] = [
        OptionKey("enabled", ["type": "boolean", "default": true]),
        OptionKey("budget_seconds", ["type": "number", "exclusiveMinimum": 0, "default": 60],
                  "Wall-clock budget for retraining."),
        OptionKey("max_steps", ["type": "integer", "minimum": 1, "maximum": 10000000],
                  "Cap on optimiser steps; the only limit when SOURCE_DATE_EPOCH is set (default there: 300)."),
        OptionKey("parameter_cap", ["type": "integer", "minimum": 1, "maximum": 1000000000, "default": 1000000],
                  "Larger models are not retrained."),
        OptionKey("max_images", ["type": "integer", "minimum": 1, "maximum": 10000000, "default": 10000],
                  "Training images used at most (seeded sample)."),
        OptionKey("samples", ["type": "integer", "minimum": 1, "maximum": 64, "default": 6],
                  "Images whose maps are compared."),
        OptionKey("learning_rate", ["type": "number", "exclusiveMinimum": 0, "default": 0.003],
                  "Adam learning rate."),
        OptionKey("batch_size", ["type": "integer", "minimum": 1, "maximum": 4096, "default": 32]),
        OptionKey("min_fit", ["type": "number", "minimum": 0, "maximum": 1, "default": 0.5],
                  "Accuracy on its shuffled labels the retrained model must reach; below it the test is weak and its verdict inconclusive."),
    ]

    /// The JSON Schema of the options object.
    public static var objectSchema: SchemaValue {
        ["type": "object", "additionalProperties": false, "properties": .object(keys.map { ($0.name, $0.schema) })]
    }

    /// Reads `data_randomisation`: `true`/`false` switches the test, an object sets its options.
    static func read(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> DataRandomisationOptions {
        var options = DataRandomisationOptions()
        guard let value else { return options }
        if case .bool(let on) = value { options.enabled = on; return options }
        guard let object = reader.object(value, path, allowed: keys.map(\.name)) else { return options }
        if let v = reader.bool(object, "enabled", path) { options.enabled = v }
        if let v = LoupeConfig.positive(reader.double(object, "budget_seconds", path), "\(path).budget_seconds", reader) { options.budgetSeconds = v }
        options.maxSteps = reader.int(object, "max_steps", path, range: keys.integerRange("max_steps"))
        if let v = reader.int(object, "parameter_cap", path, range: keys.integerRange("parameter_cap")) { options.parameterCap = v }
        if let v = reader.int(object, "max_images", path, range: keys.integerRange("max_images")) { options.maxImages = v }
        if let v = reader.int(object, "samples", path, range: keys.integerRange("samples")) { options.samples = v }
        if let v = LoupeConfig.positive(reader.double(object, "learning_rate", path), "\(path).learning_rate", reader) { options.learningRate = v }
        if let v = reader.int(object, "batch_size", path, range: keys.integerRange("batch_size")) { options.batchSize = v }
        if let v = reader.double(object, "min_fit", path) {
            if v >= 0 && v <= 1 { options.minFit = v } else { reader.problem("\(path).min_fit", "must be between 0 and 1") }
        }
        return options
    }
}

extension LoupeConfig {
    /// `jobs[i].training_data`: a dataset object like `dataset`, used by tests that retrain the model.
    static func readTrainingData(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> DatasetConfig? {
        guard value != nil else { return nil }
        return readDataset(value, path, reader: reader, folder: folder)
    }

    static func positive(_ value: Double?, _ path: String, _ reader: ConfigReader) -> Double? {
        guard let value else { return nil }
        guard value > 0, value.isFinite else { reader.problem(path, "must be a positive number"); return nil }
        return value
    }

    static func fraction(_ value: Double?, below limit: Double, _ path: String, _ reader: ConfigReader) -> Double? {
        guard let value else { return nil }
        guard value >= 0, value < limit else { reader.problem(path, "must be at least 0 and below \(String(format: "%g", limit))"); return nil }
        return value
    }
}
