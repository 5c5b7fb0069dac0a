import Foundation
import LoupeEngine
import LoupeData
import LoupeReport

/// What `ComputeBudget` lowered for one job, with the model cost it was sized for.
public struct ComputeSizing: Sendable {
    public var budget: ComputeBudget
    public var reductions: [ComputeBudget.Reduction]
}

extension JobRunner {
    /// The job with the costly sections' defaults sized to the model's multiply-adds per image (`ComputeBudget`).
    ///
    /// The shard runs, the merge and a whole run call this with the same model and dataset, so all of them run
    /// the same settings.
    func sizedJob(model: Model, dataset: any Dataset, classCount: Int) throws -> (JobConfig, ComputeSizing) {
        let summary = try ModelSummary(model: model, batchSize: 1)
        let budget = ComputeBudget(multiplyAddsPerImage: Double(summary.totalMultiplyAdds), images: dataset.count)
        let shape = dataset.sampleShape
        let side = shape.count >= 3 ? (height: shape[shape.count - 2], width: shape[shape.count - 1]) : (height: 1, width: 1)
        let (sized, reductions) = budget.sized(job, classes: classCount, imageSide: side)
        for reduction in reductions {
            log.info("sized for \(ComputeBudget.gigaText(budget.multiplyAddsPerImage)) multiply-adds per image: "
                     + "sections.\(reduction.section).\(reduction.key) \(reduction.defaultValue) → \(reduction.value)", job: job.name)
        }
        return (sized, ComputeSizing(budget: budget, reductions: reductions))
    }
}

extension ComputeBudget {
    /// `4.1 G` for 4.1e9.
    static func gigaText(_ value: Double) -> String {
        value >= 1e9 ? String(format: "%.1f G", value / 1e9) : String(format: "%.0f M", value / 1e6)
    }

    /// The `compute_sizing` entry of summary.json; nothing when no default was lowered (small models' summaries
    /// stay as they were).
    static func summary(_ sizing: ComputeSizing?) -> [(String, SummaryValue)] {
        guard let sizing, !sizing.reductions.isEmpty else { return [] }
        return [("compute_sizing", .object([
            ("multiply_adds_per_image", .integer(Int(sizing.budget.multiplyAddsPerImage))),
            ("lowered", .list(sizing.reductions.map { reduction in
                .object([("section", .text(reduction.section)), ("key", .text(reduction.key)),
                         ("default", .integer(reduction.defaultValue)), ("used", .integer(reduction.value)),
                         ("section_fpe_default", .integer(Int(reduction.defaultFPE.rounded()))),
                         ("section_fpe_used", .integer(Int(reduction.fpe.rounded())))])
            })),
        ]))]
    }

    /// The report page saying what was lowered, why, and which config keys ask for the full version; nil when
    /// nothing was lowered.
    static func reportSection(_ sizing: ComputeSizing?, templates: TemplateRenderer) throws -> Section? {
        guard let sizing, !sizing.reductions.isEmpty else { return nil }
        var sections = [String]()
        for reduction in sizing.reductions where !sections.contains(reduction.section) { sections.append(reduction.section) }
        let full = sections.map { section in
            "\"\(section)\": {" + sizing.reductions.filter { $0.section == section }
                .map { "\"\($0.key)\": \($0.defaultValue)" }.joined(separator: ", ") + "}"
        }.joined(separator: ", ")
        var blocks = try templates.blocks("compute_sizing", context: [
            "multiply_adds": gigaText(sizing.budget.multiplyAddsPerImage), "full_config": full,
        ])
        let rows: [[TableCell]] = sizing.reductions.map { reduction in
            [.text(reduction.section), .text(reduction.key), .number(Double(reduction.defaultValue)), .number(Double(reduction.value)),
             .text(String(format: "%.0f → %.0f", reduction.defaultFPE, reduction.fpe))]
        }
        blocks.append(.table(DataTable(
            columns: [TableColumn("Section"), TableColumn("Config key", weight: 1.9, monospace: true),
                      TableColumn("Default", alignment: .right, format: .integer), TableColumn("Used", alignment: .right, format: .integer),
                      TableColumn("Section cost, forward passes (default → used)", alignment: .right, weight: 1.8)],
            rows: rows, caption: "Settings lowered to fit this model's compute cost; every other setting is at its default.")))
        return Section(title: "Settings sized for this model", anchor: "compute-sizing", blocks: blocks)
    }
}
