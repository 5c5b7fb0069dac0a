import Foundation
import LoupeTensor

/// How images are turned into the model's input tensor.
public struct PreprocessingConfig: Sendable, Equatable, Codable {
    /// Resize so the shorter side has this length (or to exactly `[height, width]`), before cropping.
    public var resize: [Int]?
    /// Centre crop to `[height, width]`.
    public var centerCrop: [Int]?
    /// `rgb` (default) or `bgr`.
    public var channelOrder = "rgb"
    /// Pixel values are first scaled to this range (default `[0, 1]`).
    public var valueRange: [Double] = [0, 1]
    /// Per-channel mean subtracted after scaling (default none).
    public var mean: [Double]?
    /// Per-channel standard deviation divided by after the mean (default none).
    public var std: [Double]?
}

/// Where the images come from.
public struct DatasetConfig: Sendable, Equatable, Codable {
    /// One of `DatasetConfig.kinds`.
    public var kind: String
    /// File or folder (resolved against the config's folder); not used by `synthetic-shapes`.
    public var path: String?
    /// Labels file for `mnist-idx` and `npy` datasets.
    public var labels: String?
    /// Number of images to generate for `synthetic-shapes` (default 2,000).
    public var count: Int?
    /// Use at most this many images (after sampling).
    public var limit: Int?
    /// Stratified sample: at most this many images per class.
    public var perClass: Int?
    /// Seed for sampling and generation.
    public var seed: Int = 0
    /// Only the images with index in `[first, end)` of the file (before `limit` and `per_class`).
    public var range: [Int]?

    /// Every dataset kind Loupe reads.
    public static let kinds = ["image-folder", "npy", "npz", "mnist-idx", "cifar10", "cifar100", "synthetic-shapes"]
}

/// One job of a config file: a model, a dataset, the sections wanted, where to write.
public struct JobConfig: Sendable {
    public var name: String
    public var modelPath: String
    public var inputName: String?
    public var preprocessing: PreprocessingConfig
    public var classNames: [String]?
    public var dataset: DatasetConfig
    /// Section name → its options (raw JSON, validated by the section).
    public var sections: [String]
    public var seed: Int
    public var outputFolder: String
    public var templatesFolder: String?
    public var pageSize: String
    public var batchSize: Int
    public var writeArrays: Bool
    public var writeFigures: Bool
    /// Optional training images (same object as `dataset`) for tests that retrain the model.
    public var trainingData: DatasetConfig?
    /// Each section's options by section name; a section missing here has its defaults.
    public var sectionOptions: [String: any SectionOptions] = [:]
    /// The keys each section's options object sets in the config (sorted), by section name; `ComputeBudget`
    /// never changes these. Sorted arrays, not sets, so the shards' config hash is the same in every process.
    public var explicitOptionKeys: [String: [String]] = [:]

    /// The options of `section` (its defaults when the config gives none).
    public func options<S: ReportSection>(for section: S.Type) -> S.Options {
        sectionOptions[S.name] as? S.Options ?? S.Options()
    }

    /// Sets the options of `section`.
    public mutating func setOptions<S: ReportSection>(_ options: S.Options, for section: S.Type) {
        sectionOptions[S.name] = options
    }

    /// Options of the gradients section.
    public var gradients: GradientsOptions {
        get { options(for: GradientsSection.self) } set { setOptions(newValue, for: GradientsSection.self) }
    }
    /// Options of the weights section.
    public var weights: WeightsOptions {
        get { options(for: WeightsSection.self) } set { setOptions(newValue, for: WeightsSection.self) }
    }
    /// Options of the activations section.
    public var activations: ActivationsOptions {
        get { options(for: ActivationsSection.self) } set { setOptions(newValue, for: ActivationsSection.self) }
    }
    /// Options of the sanity section.
    public var sanity: SanityOptions {
        get { options(for: SanitySection.self) } set { setOptions(newValue, for: SanitySection.self) }
    }
    /// Options of the embeddings section.
    public var embeddings: EmbeddingsOptions {
        get { options(for: EmbeddingsSection.self) } set { setOptions(newValue, for: EmbeddingsSection.self) }
    }
    /// Options of the features section.
    public var features: FeaturesOptions {
        get { options(for: FeaturesSection.self) } set { setOptions(newValue, for: FeaturesSection.self) }
    }
    /// Options of the robustness section.
    public var robustness: RobustnessOptions {
        get { options(for: RobustnessSection.self) } set { setOptions(newValue, for: RobustnessSection.self) }
    }
    /// Findings thresholds, comparison, gates (`JobConfig+Review.swift`).
    public var review = ReviewOptions()
    /// `memory_limit_mb`: this job's memory budget in MiB (nil: `--memory-limit`, else the default; see `MemoryBudget`).
    public var memoryLimitMB: Int?
}

/// A job the config describes wrongly, with every problem found in it.
public struct RejectedJob: Sendable {
    public var index: Int
    public var name: String
    public var problems: [String]

    /// All problems on one line.
    public var message: String {
        problems.first.map { $0 + (problems.count > 1 ? " (and \(problems.count - 1) more: \(problems.dropFirst().joined(separator: "; ")))" : "") } ?? ""
    }
}

/// A validated config file: one or more jobs, paths already resolved.
public struct LoupeConfig: Sendable {
    public var path: String
    public var jobs: [JobConfig]
    /// Jobs whose part of the config is invalid: they do not run, the others do.
    public var rejectedJobs: [RejectedJob]
    /// The config's raw JSON, kept for the report's appendix.
    public var rawText: String

    /// Section names a job may ask for.
    public static var sectionNames: [String] { SectionRegistry.all.map { $0.name } }
    public static let jobKeys = ["name", "model", "classes", "dataset", "sections", "seed", "output", "templates", "page_size",
                          "batch_size", "arrays", "figures", "training_data", "memory_limit_mb"]
    public static let modelKeys = ["path", "input", "preprocessing"]
    public static let preprocessingKeys = ["resize", "center_crop", "channel_order", "value_range", "mean", "std"]
    public static let datasetKeys = ["kind", "path", "labels", "count", "limit", "per_class", "seed", "range"]

    /// Reads and validates a config file; every problem is reported with its JSON path in one error.
    public static func load(path: String, outputOverride: String? = nil) throws -> LoupeConfig {
        // A config that cannot be read is an I/O failure (exit 5), not an invalid config (78).
        let data = try RegularFile.contents(path, failure: "cannot read the config file")
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw LoupeError(.invalidConfig, file: path, location: "json", "invalid JSON: " + jsonErrorSummary(error))
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let reader = ConfigReader(file: path)
        let top = reader.object(json, "", allowed: ["jobs", "$schema"])
        var jobs = [JobConfig]()
        var rejected = [RejectedJob]()
        var seen = Set<String>()
        if let list = reader.array(top, "jobs", "") {
            if list.isEmpty { reader.problem("jobs", "expected at least one job") }
            for (index, item) in list.enumerated() {
                let before = reader.problems.count
                let job = readJob(item, "jobs[\(index)]", reader: reader, folder: folder, outputOverride: outputOverride)
                if let job, !job.name.isEmpty, !seen.insert(job.name).inserted {
                    reader.problem("jobs[\(index)].name", "duplicate job name '\(job.name)'")
                }
                let problems = Array(reader.problems[before...])
                if let job, problems.isEmpty {
                    jobs.append(job)
                } else {
                    rejected.append(RejectedJob(index: index, name: job?.name ?? "", problems: problems))
                }
            }
        } else if top != nil {
            reader.problem("jobs", "missing (required)")
        }
        let jobProblems = Set(rejected.flatMap(\.problems))
        let topLevel = reader.problems.filter { !jobProblems.contains($0) }
        if let first = topLevel.first {
            throw LoupeError(.invalidConfig, file: path, first + (topLevel.count > 1 ? " (and \(topLevel.count - 1) more)" : ""))
        }
        if jobs.isEmpty, let first = rejected.first {
            throw LoupeError(.invalidConfig, file: path, first.message)
        }
        return LoupeConfig(path: path, jobs: jobs, rejectedJobs: rejected, rawText: String(decoding: data, as: UTF8.self))
    }

    static func jsonErrorSummary(_ error: Error) -> String {
        if let syntax = error as? JSONSyntaxError { return syntax.description }
        let text = String(describing: error)
        if let range = text.range(of: "line \\d+, column \\d+", options: .regularExpression) { return "near " + text[range] }
        if let range = text.range(of: "character \\d+", options: .regularExpression) { return "at " + text[range] }
        return "the text is not valid JSON"
    }

    static func resolve(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path
    }

    static func readJob(_ value: JSONValue, _ path: String, reader: ConfigReader, folder: String, outputOverride: String?) -> JobConfig? {
        guard let job = reader.object(value, path, allowed: jobKeys + reviewJobKeys) else { return nil }
        let name = reader.string(job, "name", path, required: true) ?? ""
        if case .string? = job["name"], name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) == nil {
            reader.problem("\(path).name", "use 1-64 letters, digits, '.', '_' or '-' (it names the output folder)")
        }
        let model = reader.object(job["model"], "\(path).model", allowed: modelKeys)
        if job["model"] == nil { reader.problem("\(path).model", "missing (required)") }
        var modelPath = reader.string(model, "path", "\(path).model", required: model != nil) ?? ""
        if !modelPath.isEmpty {
            modelPath = resolve(modelPath, in: folder)
            if !FileManager.default.fileExists(atPath: modelPath) {
                reader.problem("\(path).model.path", "file not found: \(modelPath)")
            }
        }
        let preprocessing = readPreprocessing(model?["preprocessing"], "\(path).model.preprocessing", reader: reader)
        let classes = readClasses(job["classes"], "\(path).classes", reader: reader, folder: folder)
        let dataset = readDataset(job["dataset"], "\(path).dataset", reader: reader, folder: folder)
        if job["dataset"] == nil { reader.problem("\(path).dataset", "missing (required)") }
        var sections = LoupeConfig.sectionNames
        var sectionOptions = [String: any SectionOptions]()
        var explicitOptionKeys = [String: [String]]()
        if let sectionObject = reader.object(job["sections"], "\(path).sections", allowed: sectionNames) {
            sections = sectionNames.filter { name in
                guard let option = sectionObject[name] else { return false }
                if case .bool(let on) = option { return on }
                return true
            }
            func readOptions<S: ReportSection>(_ section: S.Type) {
                sectionOptions[S.name] = S.Options.read(sectionObject[S.name], "\(path).sections.\(S.name)", reader: reader, folder: folder)
                if case .object(let entries)? = sectionObject[S.name] { explicitOptionKeys[S.name] = entries.keys.sorted() }
            }
            for section in SectionRegistry.all { readOptions(section) }
            if !sections.contains("summary") { sections.insert("summary", at: 0) }
        }
        let output = outputOverride ?? resolve(reader.string(job, "output", path) ?? "reports", in: folder)
        let templates = reader.string(job, "templates", path).map { resolve($0, in: folder) }
        if let templates, !FileManager.default.fileExists(atPath: templates) {
            reader.problem("\(path).templates", "folder not found: \(templates)")
        }
        var config = JobConfig(name: name, modelPath: modelPath, inputName: reader.string(model, "input", "\(path).model"),
                         preprocessing: preprocessing, classNames: classes,
                         dataset: dataset ?? DatasetConfig(kind: "synthetic-shapes"), sections: sections,
                         seed: reader.int(job, "seed", path, range: 0...Int(UInt32.max)) ?? 0, outputFolder: output,
                         templatesFolder: templates,
                         pageSize: reader.choice(job, "page_size", path, among: ["a4", "letter"]) ?? "a4",
                         batchSize: reader.int(job, "batch_size", path, range: 1...4096) ?? 32,
                         writeArrays: reader.bool(job, "arrays", path) ?? false,
                         writeFigures: reader.bool(job, "figures", path) ?? false)
        config.explicitOptionKeys = explicitOptionKeys
        config.trainingData = readTrainingData(job["training_data"], "\(path).training_data", reader: reader, folder: folder)
        config.sectionOptions = sectionOptions
        config.review = readReview(job, path, reader: reader, folder: folder)
        config.memoryLimitMB = reader.int(job, "memory_limit_mb", path, range: 1...(1 << 30))
        return config
    }

    static func readPreprocessing(_ value: JSONValue?, _ path: String, reader: ConfigReader) -> PreprocessingConfig {
        var config = PreprocessingConfig()
        guard let object = reader.object(value, path, allowed: preprocessingKeys) else { return config }
        config.resize = reader.ints(object, "resize", path, range: 1...8192)
        config.centerCrop = reader.ints(object, "center_crop", path, range: 1...8192)
        for (key, value) in [("resize", config.resize), ("center_crop", config.centerCrop)] where value != nil {
            if let count = value?.count, count != 1 && count != 2 { reader.problem("\(path).\(key)", "expected 1 or 2 integers") }
        }
        config.channelOrder = reader.choice(object, "channel_order", path, among: ["rgb", "bgr"]) ?? "rgb"
        config.valueRange = reader.doubles(object, "value_range", path, count: 2) ?? [0, 1]
        config.mean = reader.doubles(object, "mean", path)
        config.std = reader.doubles(object, "std", path)
        if let std = config.std, std.contains(where: { $0 <= 0 }) { reader.problem("\(path).std", "every value must be positive") }
        if let mean = config.mean, let std = config.std, mean.count != std.count {
            reader.problem("\(path).std", "has \(std.count) values but mean has \(mean.count)")
        }
        return config
    }

    static func readClasses(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> [String]? {
        guard let value else { return nil }
        if case .array = value { return reader.strings(["classes": value], "classes", String(path.dropLast(".classes".count))) }
        guard let object = reader.object(value, path, allowed: ["file"]),
              let file = reader.string(object, "file", path, required: true) else { return nil }
        let resolved = resolve(file, in: folder)
        guard let text = try? String(contentsOfFile: resolved, encoding: .utf8) else {
            reader.problem("\(path).file", "cannot read \(resolved)")
            return nil
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func readDataset(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> DatasetConfig? {
        guard let object = reader.object(value, path, allowed: datasetKeys) else { return nil }
        // Keep reading after a bad kind so every problem of the object is reported at once.
        let chosen = reader.choice(object, "kind", path, among: DatasetConfig.kinds)
        if object["kind"] == nil { reader.problem("\(path).kind", "missing (required)") }
        let kind = chosen ?? ""
        var config = DatasetConfig(kind: kind)
        if var file = reader.string(object, "path", path, required: chosen != nil && kind != "synthetic-shapes") {
            file = resolve(file, in: folder)
            if !FileManager.default.fileExists(atPath: file) { reader.problem("\(path).path", "file not found: \(file)") }
            config.path = file
        }
        if var labels = reader.string(object, "labels", path) {
            labels = resolve(labels, in: folder)
            if !FileManager.default.fileExists(atPath: labels) { reader.problem("\(path).labels", "file not found: \(labels)") }
            config.labels = labels
        }
        if kind == "mnist-idx" && config.labels == nil && object["labels"] == nil {
            reader.problem("\(path).labels", "missing (required for mnist-idx)")
        }
        config.count = reader.int(object, "count", path, range: 1...1_000_000)
        config.limit = reader.int(object, "limit", path, range: 1...100_000_000)
        config.perClass = reader.int(object, "per_class", path, range: 1...100_000_000)
        config.seed = reader.int(object, "seed", path, range: 0...Int(UInt32.max)) ?? 0
        if let range = reader.ints(object, "range", path, range: 0...100_000_000) {
            if range.count == 2 && range[0] < range[1] { config.range = range } else {
                reader.problem("\(path).range", "expected [first, end) with first < end, e.g. [600, 1000]")
            }
        }
        return config
    }
}
