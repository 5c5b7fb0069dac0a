import Foundation

extension LoupeConfig {
    public static let featuresKeys = ["class_models", "regularised_classes", "max_classes", "class_iterations", "class_l2", "class_step", "layers",
                                      "units", "iterations", "step", "decay", "blur_width", "blur_every", "norm_percentile",
                                      "contribution_percentile", "jitter", "normalise_gradient", "data_randomisation"]
    public static let dataRandomisationKeys = ["enabled", "budget_seconds", "max_steps", "parameter_cap", "max_images", "samples",
                                               "learning_rate", "batch_size"]

    /// Reads `jobs[i].sections.features` (absent or boolean: defaults).
    static func readFeatures(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> FeaturesOptions {
        var options = FeaturesOptions()
        guard let value, case .object = value, let object = reader.object(value, path, allowed: featuresKeys) else { return options }
        if let v = reader.bool(object, "class_models", path) { options.classModels = v }
        if let v = reader.bool(object, "regularised_classes", path) { options.regularisedClasses = v }
        if let v = reader.int(object, "class_iterations", path, range: 1...100_000) { options.classIterations = v }
        if let v = reader.int(object, "max_classes", path, range: 1...1000) { options.maxClasses = v }
        options.classL2 = positive(reader.double(object, "class_l2", path), "\(path).class_l2", reader)
        options.classStep = positive(reader.double(object, "class_step", path), "\(path).class_step", reader)
        if let v = reader.strings(object, "layers", path) {
            if v.isEmpty { reader.problem("\(path).layers", "expected at least one value name") }
            options.layers = v
        }
        if let v = reader.int(object, "units", path, range: 1...512) { options.units = v }
        if let v = reader.int(object, "iterations", path, range: 1...100_000) { options.iterations = v }
        if let v = positive(reader.double(object, "step", path), "\(path).step", reader) { options.stepSize = v }
        if let v = fraction(reader.double(object, "decay", path), below: 1, "\(path).decay", reader) { options.decay = v }
        if let v = reader.double(object, "blur_width", path) {
            if v >= 0 && v <= 20 { options.blurWidth = v } else { reader.problem("\(path).blur_width", "must be between 0 and 20 pixels") }
        }
        if let v = reader.int(object, "blur_every", path, range: 1...100_000) { options.blurEvery = v }
        if let v = fraction(reader.double(object, "norm_percentile", path), below: 100, "\(path).norm_percentile", reader) {
            options.normPercentile = v
        }
        if let v = fraction(reader.double(object, "contribution_percentile", path), below: 100, "\(path).contribution_percentile", reader) {
            options.contributionPercentile = v
        }
        if let v = reader.int(object, "jitter", path, range: 0...64) { options.jitter = v }
        if let v = reader.bool(object, "normalise_gradient", path) { options.normaliseGradient = v }
        options.randomisation = readDataRandomisation(object["data_randomisation"], "\(path).data_randomisation", reader: reader)
        return options
    }

    static func readDataRandomisation(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> DataRandomisationOptions {
        var options = DataRandomisationOptions()
        guard let value else { return options }
        if case .bool(let on) = value { options.enabled = on; return options }
        guard let object = reader.object(value, path, allowed: dataRandomisationKeys) else { return options }
        if let v = reader.bool(object, "enabled", path) { options.enabled = v }
        if let v = positive(reader.double(object, "budget_seconds", path), "\(path).budget_seconds", reader) { options.budgetSeconds = v }
        options.maxSteps = reader.int(object, "max_steps", path, range: 1...10_000_000)
        if let v = reader.int(object, "parameter_cap", path, range: 1...1_000_000_000) { options.parameterCap = v }
        if let v = reader.int(object, "max_images", path, range: 1...10_000_000) { options.maxImages = v }
        if let v = reader.int(object, "samples", path, range: 1...64) { options.samples = v }
        if let v = positive(reader.double(object, "learning_rate", path), "\(path).learning_rate", reader) { options.learningRate = v }
        if let v = reader.int(object, "batch_size", path, range: 1...4096) { options.batchSize = v }
        return options
    }

    /// `jobs[i].training_data`: a dataset object like `dataset`, used by tests that retrain the model.
    static func readTrainingData(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> DatasetConfig? {
        guard value != nil else { return nil }
        return readDataset(value, path, reader: reader, folder: folder)
    }

    private static func positive(_ value: Double?, _ path: String, _ reader: ConfigReader) -> Double? {
        guard let value else { return nil }
        guard value > 0, value.isFinite else { reader.problem(path, "must be a positive number"); return nil }
        return value
    }

    private static func fraction(_ value: Double?, below limit: Double, _ path: String, _ reader: ConfigReader) -> Double? {
        guard let value else { return nil }
        guard value >= 0, value < limit else { reader.problem(path, "must be at least 0 and below \(String(format: "%g", limit))"); return nil }
        return value
    }
}
