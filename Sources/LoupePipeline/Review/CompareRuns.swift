import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeReportCairo
import LoupeTensor

/// `loupe compare RUN_A RUN_B`: the Changes section for two finished run folders, as its own PDF.
public enum CompareRuns {
    /// Compares run folder `after` with the baseline `before`, writes `output` (PDF) and returns the exit code
    /// (0, or `ExitCodes.gateTripped` when a gate trips; the PDF is written either way).
    public static func run(before: String, after: String, output: String, gates: GateOptions, pageSize: String = "a4",
                           log: RunLog = RunLog()) throws -> Int32 {
        let comparison = RunComparison(before: try RunSnapshot.read(folder: before), after: try RunSnapshot.read(folder: after))
        let results = ReviewGates.evaluate(gates, comparison: comparison, findings: [])
        var document = Document(title: "Changes from run \(comparison.before.runID) to \(comparison.after.runID)",
                                subtitle: "Loupe comparison of two runs", author: "Loupe \(LoupeVersion.string)",
                                subject: "Comparison of two Loupe runs", keywords: ["loupe", "comparison"],
                                generatorVersion: LoupeVersion.string,
                                titlePageFacts: [("Baseline", before), ("Compared", after),
                                                 ("Same images", comparison.sameImages ? "yes" : "no: " + comparison.differences.joined(separator: "; "))])
        document.sections = [ChangesSection.section(comparison)]
        let failed = results.filter { !$0.passed }
        if !failed.isEmpty {
            document.titleAlert = ["\(failed.count) review gate\(failed.count == 1 ? "" : "s") tripped"] + failed.map { "\($0.name): \($0.message)" }
        }
        if !results.isEmpty {
            _ = try FindingsPage.attach([], gates: results, to: &document, pageSize: try PageSize.named(pageSize))
        }
        try CairoPDFRenderer().render(document, to: output, pageSize: try PageSize.named(pageSize))
        let json = SummaryValue.object([("changes", ChangesSection.numbers(comparison)), ("gates", .list(results.map(\.summary)))]).json()
        let jsonPath = (output as NSString).deletingPathExtension + ".json"
        do { try Data((json + "\n").utf8).write(to: URL(fileURLWithPath: jsonPath), options: .atomic) } catch {
            throw LoupeError(.io, file: jsonPath, "cannot write (\(error.localizedDescription))")
        }
        for gate in failed { log.error("gate \(gate.name) tripped: \(gate.message)") }
        log.info("wrote \(output) and \(jsonPath)")
        return failed.isEmpty ? ExitCodes.success : ExitCodes.gateTripped
    }
}
