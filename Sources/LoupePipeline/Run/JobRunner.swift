import Foundation
import LoupeAnalysis
import LoupeData
import LoupeEngine
import LoupeReport
import LoupeReportCairo
import LoupeTensor

/// Runs one job: model, dataset, evaluation pass, sections, then report.pdf, summary.json and run.json.
struct JobRunner {
    let job: JobConfig
    let config: LoupeConfig
    let log: RunLog
    let environment: [String: String]
    /// The shards' dataset passes when `loupe merge` runs the job; nil when it streams the dataset itself.
    var merged: MergedShards? = nil
    /// The model and dataset `loupe merge` already opened to check the shards; nil: the run opens them itself.
    var opened: (model: Model, classifier: Classifier, sampleShape: [Int], dataset: any Dataset)? = nil
    /// Sees the finished document just before it is drawn (tests draw it on a recording canvas as well).
    var documentObserver: ((Document, PageSize) -> Void)? = nil

    /// Whether `SOURCE_DATE_EPOCH` asks for reproducible output (no wall-clock numbers in the PDF).
    var reproducible: Bool { environment["SOURCE_DATE_EPOCH"] != nil }

    /// Runs the job and returns the folder it wrote; nothing is left behind on failure.
    func run() throws -> String { try runReviewed().folder }

    /// Runs the job; returns the folder it wrote and the review gates (`gates` in the config) with their outcome.
    func runReviewed() throws -> (folder: String, gates: [GateResult]) {
        try MemoryBudget.withLimit(megabytes: job.memoryLimitMB) { try runReviewedWithinBudget() }
    }

    private func runReviewedWithinBudget() throws -> (folder: String, gates: [GateResult]) {
        var timings = [(String, Double)]()
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            log.info(stage + "…", job: job.name)
            let value = try body()
            timings.append((stage, Date().timeIntervalSince(start)))
            return value
        }
        // An output folder that cannot be written fails the job now, not after every section was computed.
        try OutputFolderCheck.check(job.outputFolder, location: "jobs.\(job.name).output")
        let (model, classifier, sampleShape) = try timed("loading model") {
            try opened.map { ($0.model, $0.classifier, $0.sampleShape) } ?? openModel()
        }
        let dataset = try timed("opening dataset") {
            try opened?.dataset ?? DatasetFactory.open(job, sampleShape: sampleShape, classNames: job.classNames)
        }
        let classNames = job.classNames ?? dataset.classNames
        let templates = try TemplateRenderer(folders: [job.templatesFolder, try defaultTemplatesFolder()].compactMap { $0 })
        let evaluation = try timed("evaluating \(counted(dataset.count, "image"))") {
            try merged?.evaluation ?? evaluate(classifier: classifier, dataset: dataset, classCount: classNames.count)
        }
        let (sized, sizing) = try sizedJob(model: model, dataset: dataset, classCount: classNames.count)
        let context = JobContext(job: sized, model: model, classifier: classifier, dataset: dataset, classNames: classNames,
                                 templates: templates, evaluation: evaluation, log: { log.info($0, job: job.name) })
        context.reproducible = reproducible
        context.gatheredParts = merged?.sections ?? [:]
        context.sizing = sizing
        var outputs = [SectionOutput]()
        for name in job.sections {
            guard let section = SectionRegistry.make(named: name, for: sized) else { continue }
            outputs.append(try timed("section \(name)") { try section.make(context) })
        }
        let runID = makeRunID()
        let folder = try RunFolder(outputFolder: job.outputFolder, jobName: job.name, runID: runID)
        JobProcess.testHooks(job: job.name, environment: environment)
        do {
            // A merge has the model's hash from the shard check; hashing a large model again costs seconds.
            let modelHash = merged?.identity.modelSHA256 ?? SHA256.hex(file: job.modelPath) ?? ""
            try writeRecords(outputs, evaluation: evaluation, dataset: dataset, into: folder)
            let detected = try timed("findings") {
                try FindingsDetector(options: job.review.findings, context: context, outputs: outputs).detect()
            }
            let comparison = try timed("comparison") {
                try compareWithBaseline(folder: folder, runID: runID, modelHash: modelHash, dataset: dataset, outputs: outputs)
            }
            var review = ReviewOutcome(findings: detected, comparison: comparison, gates: [], headings: [])
            let document = try timed("laying out the report") { () throws -> Document in
                var document = try ReportAssembler(job: sized, config: config, context: context, outputs: outputs, runID: runID,
                                                   modelHash: modelHash, datasetFingerprint: dataset.fingerprint,
                                                   timings: reproducible ? [] : timings).document()
                let trends = trendPoints(folder: folder, runID: runID, modelHash: modelHash, dataset: dataset, outputs: outputs)
                review = try attachReview(detected, comparison: comparison, trends: trends, dataset: dataset, to: &document)
                return document
            }
            let pageSize = try PageSize.named(job.pageSize)
            documentObserver?(document, pageSize)
            _ = try timed("rendering PDF") { try CairoPDFRenderer().render(document, to: folder.path("report.pdf"), pageSize: pageSize) }
            try folder.write(Data((summaryJSON(outputs, review: review, sizing: sizing) + "\n").utf8), to: "summary.json")
            try folder.write(Data(ReviewDigest.markdown(job: job, runID: runID, outputs: outputs, review: review).utf8), to: "review.md")
            try writeExtras(outputs, into: folder)
            var manifest = runManifest(runID: runID, modelHash: modelHash, dataset: dataset, timings: timings)
            if case .object(var entries) = manifest {
                entries.append(("section_timings", .object(outputs.map { ($0.key, $0.numbers.timingsOnly) })))
                manifest = .object(entries)
            }
            try folder.write(Data((manifest.json() + "\n").utf8), to: "run.json")
            try folder.commit()
            try updateHistory(committed: folder, baseline: comparison?.before.folder)
            return (folder.finalURL.path, review.gates)
        } catch {
            folder.discard()
            throw error
        }
    }

    /// The job's model, its classifier and the shape of one sample, checked against the config.
    func openModel() throws -> (Model, Classifier, [Int]) {
        let model = try Model(path: job.modelPath)
        if let input = job.inputName, !model.graph.inputs.contains(where: { $0.name == input }) {
            throw LoupeError(.invalidConfig, file: config.path, location: "jobs.\(job.name).model.input",
                             "the model has no input '\(input)'; inputs: \(model.graph.inputs.map(\.name).joined(separator: ", "))")
        }
        guard let shape = model.sampleShape else {
            throw LoupeError(.invalidModel, file: job.modelPath, location: "input '\(model.primaryInputName)'",
                             "needs fixed channel, height and width extents")
        }
        return (model, try Classifier(model: model), shape)
    }

    /// One streamed pass over `shard`'s images: predictions, confidences and true-class probabilities.
    func evaluate(classifier: Classifier, dataset: any Dataset, classCount: Int, shard: ShardSpec = .whole) throws -> Evaluation {
        var evaluation = Evaluation()
        evaluation.classCount = classCount
        let started = Date()
        var done = 0
        let total = shard.positions(of: dataset.count, batchSize: job.batchSize).count
        for indices in shard.batches(of: Array(0..<dataset.count), batchSize: job.batchSize) {
            let batch = try dataset.batch(indices)
            let scores = try classifier.scores(batch.images)
            guard scores.shape[1] == classCount else {
                throw LoupeError(.invalidConfig, file: config.path, location: "jobs.\(job.name).classes",
                                 "\(counted(classCount, "class name")) but the model scores \(counted(scores.shape[1], "class", "classes"))")
            }
            evaluation.record(scores: scores, labels: batch.labels)
            done += indices.count
            log.progress("evaluating", done: done, total: total, started: started, job: job.name)
        }
        evaluation.seconds = Date().timeIntervalSince(started)
        return evaluation
    }

    /// Every section's numbers without wall-clock timings (those go to run.json), so reruns match byte for byte.
    func summaryJSON(_ outputs: [SectionOutput], review: ReviewOutcome? = nil, sizing: ComputeSizing? = nil) -> String {
        SummaryValue.object([("loupe_version", .text(LoupeVersion.string)), ("job", .text(job.name))]
                            + ComputeBudget.summary(sizing)
                            + outputs.map { ($0.key, $0.numbers.withoutTimings) }
                            + (review.map(Self.reviewSummary) ?? [])).json()
    }

    func writeExtras(_ outputs: [SectionOutput], into folder: RunFolder) throws {
        for output in outputs {
            if job.writeArrays {
                for (name, tensor) in output.arrays {
                    try folder.write(NPY.encode(.float(tensor)), to: "arrays/\(output.key)/\(Inference.fileSafeName(name)).npy")
                }
            }
            if job.writeFigures {
                for (name, image) in output.figures {
                    try CairoPDFRenderer.writePNG(image, to: folder.path("figures/\(output.key)/\(Inference.fileSafeName(name)).png"))
                }
            }
        }
    }

    /// The per-image records later comparisons read (`RunRecords`); always written.
    func writeRecords(_ outputs: [SectionOutput], evaluation: Evaluation, dataset: any Dataset, into folder: RunFolder) throws {
        try folder.write(RunRecords.predictions(evaluation, dataset: dataset), to: RunRecords.predictionsFile)
        for output in outputs {
            for (name, data) in output.records + RunRecords.attributions(output) { try folder.write(data, to: name) }
        }
    }

    func runManifest(runID: String, modelHash: String, dataset: any Dataset, timings: [(String, Double)]) -> SummaryValue {
        .object([
            ("loupe_version", .text(LoupeVersion.string)),
            ("run_id", .text(runID)),
            ("job", .text(job.name)),
            ("config", .text(config.path)),
            ("model", .object([("path", .text(job.modelPath)), ("sha256", .text(modelHash))])),
            ("dataset", .object([("kind", .text(job.dataset.kind)), ("path", .text(job.dataset.path ?? "")),
                                 ("images", .integer(dataset.count)), ("fingerprint", .text(dataset.fingerprint))])),
            ("seed", .integer(job.seed)),
            ("sections", .list(job.sections.map { .text($0) })),
            ("reproducible", .flag(reproducible)),
            ("timings_seconds", .object(timings.map { ($0.0, .number($0.1)) })),
            ("resolved_config", SummaryValue(reflecting: job)),
        ])
    }

    /// `YYYYMMDD-HHMMSS` in UTC, the job seed, this process's pid and a random suffix: unique even for
    /// two runs of one job in the same second.
    ///
    /// With `SOURCE_DATE_EPOCH` the id is that date and the seed only, so reruns give identical reports;
    /// a rerun then replaces the earlier run of the same id.
    func makeRunID() -> String {
        let base = makeRunIDBase()
        guard !reproducible else { return base }
        return base + "-p\(getpid())-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }

    /// `YYYYMMDD-HHMMSS` in UTC (from `SOURCE_DATE_EPOCH` when set), plus `-s<seed>`.
    func makeRunIDBase() -> String {
        let date = environment["SOURCE_DATE_EPOCH"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: date) + "-s\(job.seed)"
    }
}
