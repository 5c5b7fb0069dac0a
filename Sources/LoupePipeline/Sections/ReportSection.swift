import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeTensor

/// What a section hands back: numbers for `summary.json`, report sections for the PDF, and arrays.
public struct SectionOutput {
    /// The section's key in `summary.json` (e.g. `"weights"`).
    public var key: String
    /// Every number the section's pages show.
    public var numbers: SummaryValue
    /// Report sections (usually one) in reading order.
    public var sections: [Section]
    /// Raw arrays written as `arrays/<key>/<name>.npy` when the job asks for arrays.
    public var arrays: [(String, Tensor)]
    /// Figures written as `figures/<key>/<name>.png` when the job asks for figures.
    public var figures: [(String, RasterImage)]
    /// Per-image records always written into the run folder (name relative to it, contents), for later comparisons.
    public var records: [(String, Data)] = []

    public init(key: String, numbers: SummaryValue, sections: [Section], arrays: [(String, Tensor)] = [],
                figures: [(String, RasterImage)] = []) {
        self.key = key
        self.numbers = numbers
        self.sections = sections
        self.arrays = arrays
        self.figures = figures
    }
}

/// Everything a section may read about the job: model, data, predictions, templates.
public final class JobContext {
    public let job: JobConfig
    public let model: Model
    public let classifier: Classifier
    public let dataset: any Dataset
    public let classNames: [String]
    public let templates: TemplateRenderer
    /// Model predictions over the whole dataset (filled by the evaluation pass before sections run).
    public var evaluation: Evaluation
    /// A seeded generator per purpose, derived from the job seed.
    public func generator(_ purpose: String) -> SeededGenerator {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in purpose.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SeededGenerator(seed: UInt64(job.seed) ^ hash)
    }
    /// Writes a progress line (respects --quiet and the log format).
    public let log: (String) -> Void
    /// True when `SOURCE_DATE_EPOCH` is set: no wall-clock numbers may appear in the PDF.
    public var reproducible = false
    /// The merged shards' dataset passes by section name (`loupe merge`); empty when this process streams the dataset itself.
    var gatheredParts: [String: any ShardPayload] = [:]
    /// The settings `ComputeBudget` lowered for this model (nil or empty: every section at its defaults).
    public var sizing: ComputeSizing?

    public init(job: JobConfig, model: Model, classifier: Classifier, dataset: any Dataset, classNames: [String],
         templates: TemplateRenderer, evaluation: Evaluation, log: @escaping (String) -> Void) {
        self.job = job
        self.model = model
        self.classifier = classifier
        self.dataset = dataset
        self.classNames = classNames
        self.templates = templates
        self.evaluation = evaluation
        self.log = log
    }

    /// The display name of class `index`.
    public func className(_ index: Int) -> String {
        index >= 0 && index < classNames.count ? classNames[index] : "class \(index)"
    }
}

/// One section of the report: computes from the job, returns numbers and pages.
///
/// To add a section: a type in `Sections/<Name>Section.swift` conforming to this protocol, its options
/// type (`SectionOptions`: keys with their schema, reader, defaults, validation; `NoSectionOptions` when it
/// has none), its prose in `Templates/<name>_*.mustache`, and one line in `SectionRegistry.all`; then
/// regenerate `config.schema.json` (`LOUPE_UPDATE_SCHEMA=1 swift test --filter ConfigSchemaTests`).
public protocol ReportSection {
    /// The section's options (`jobs[i].sections.<name>` in the config).
    associatedtype Options: SectionOptions = NoSectionOptions
    /// The name used in the config's `sections` object.
    static var name: String { get }
    init()
    /// The section configured for a job with its options.
    init(options: Options, job: JobConfig)
    /// Computes the section (may stream the dataset again, run gradients, and so on).
    func make(_ context: JobContext) throws -> SectionOutput
}

extension ReportSection where Options == NoSectionOptions {
    public init(options: Options, job: JobConfig) { self.init() }
}
