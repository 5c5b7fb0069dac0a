import Foundation
import LoupeReport

/// Puts a job's section outputs into one document: title page, sections, appendix.
struct ReportAssembler {
    let job: JobConfig
    let config: LoupeConfig
    let context: JobContext
    let outputs: [SectionOutput]
    let runID: String
    let modelHash: String
    let datasetFingerprint: String
    /// Stage timings (empty in reproducible mode, so reruns give identical PDFs).
    let timings: [(String, Double)]

    func document() throws -> Document {
        let modelName = (job.modelPath as NSString).lastPathComponent
        let evaluation = context.evaluation
        var document = Document(
            title: "What \(modelName) learned",
            subtitle: "Loupe report for job “\(job.name)”",
            author: "Loupe \(LoupeVersion.string)",
            subject: "Weights, activations and gradients of an image classifier",
            keywords: ["interpretability", "saliency", "ONNX", job.name],
            generatorVersion: LoupeVersion.string,
            titlePageFacts: [
                ("Model", modelName),
                ("Dataset", "\(job.dataset.kind), \(counted(evaluation.labels.count, "image")), \(counted(context.classNames.count, "class", "classes"))"),
                ("Clean accuracy", Quantity.accuracy.format(evaluation.accuracy)),
                ("Sections", job.sections.joined(separator: ", ")),
                ("Run", runID),
                ("Seed", String(job.seed)),
            ])
        document.nonFiniteNote = NonFiniteWeights(context.model.graph).tableNote ?? ""
        for output in outputs {
            for section in output.sections { document.append(section) }
            // The sized settings are stated right after the summary, before any section that used them.
            if output.key == SummarySection.name, let sizing = try ComputeBudget.reportSection(context.sizing, templates: context.templates) {
                document.append(sizing)
            }
        }
        document.append(try ReadingGuide.section(templates: context.templates, sections: job.sections))
        document.append(try appendix())
        return document
    }

    func appendix() throws -> Section {
        var blocks: [Block] = try context.templates.blocks("appendix_intro", context: [:]) + [
            .heading("Manifest", level: 2),
            .keyValue([
                ("Loupe version", LoupeVersion.string),
                ("Run id", runID),
                ("Config file", config.path),
                ("Model", job.modelPath),
                ("Model SHA-256", modelHash),
                ("Dataset", "\(job.dataset.kind) \(job.dataset.path ?? "")"),
                ("Dataset fingerprint", datasetFingerprint),
                ("Seed", String(job.seed)),
                ("Output folder", job.outputFolder),
            ]),
        ]
        if !timings.isEmpty {
            blocks.append(.heading("Timings", level: 2))
            blocks.append(.table(DataTable(columns: [TableColumn("Stage", weight: 2), TableColumn("Seconds", alignment: .right, format: .decimal(places: 2))],
                                           rows: timings.map { [.text($0.0), .number($0.1)] })))
        }
        blocks.append(.heading("Configuration", level: 2))
        blocks.append(.paragraph([TextRun("The config file as read (all jobs):")]))
        let lines = config.rawText.split(separator: "\n", omittingEmptySubsequences: false).prefix(400)
        blocks.append(.code(lines.joined(separator: "\n")))
        return Section(title: "Appendix", anchor: "appendix", blocks: blocks)
    }
}
