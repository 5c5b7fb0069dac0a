import Foundation
import LoupeAnalysis
import LoupeReport

/// `review.md`: a short Markdown digest of a run for a pull request or review thread, with page numbers into report.pdf.
enum ReviewDigest {
    static func markdown(job: JobConfig, runID: String, outputs: [SectionOutput], review: ReviewOutcome) -> String {
        func page(_ title: String) -> String {
            review.headings.first { $0.title == title }.map { " (p. \($0.page))" } ?? ""
        }
        let summary = outputs.first { $0.key == "summary" }?.numbers
        let robustness = outputs.first { $0.key == "robustness" }?.numbers
        var lines = ["# Loupe review: \(job.name), run \(runID)", ""]
        lines.append("| number | value |")
        lines.append("|---|---|")
        if let accuracy = summary?["accuracy"]?.doubleValue {
            lines.append("| clean accuracy | \(ChangesSection.pct(accuracy))\(page("Accuracy by class")) |")
        }
        if let mean = robustness?["mean_error_unnormalised"]?.doubleValue {
            lines.append("| mean corruption error (unnormalised) | \(ChangesSection.pct(mean))\(page("Corruption error")) |")
        }
        if let ece = robustness?["calibration"]?["clean"]?["ece"]?.doubleValue {
            lines.append("| ECE (clean) | \(ChangesSection.pct(ece))\(page("Calibration under corruption")) |")
        }
        lines.append("")
        if !review.gates.isEmpty {
            let failed = review.gates.filter { !$0.passed }.count
            lines.append("## Gates: \(failed == 0 ? "all passed" : "\(failed) tripped")")
            lines.append("")
            for gate in review.gates { lines.append("- **\(gate.passed ? "PASS" : "FAIL")** `\(gate.name)`: \(gate.message)") }
            lines.append("")
        }
        lines.append("## Findings (\(review.findings.count))")
        lines.append("")
        if review.findings.isEmpty { lines.append("Nothing crossed a review threshold.") }
        for finding in review.findings {
            lines.append("- **\(finding.severity.rawValue)** \(finding.message) (value \(FindingsPage.number(finding.value)), threshold \(FindingsPage.number(finding.threshold)); p. \(finding.page))")
        }
        lines.append("")
        if let c = review.comparison {
            lines.append("## Largest changes since \(c.before.runID)\(page(ChangesSection.title))")
            lines.append("")
            if !c.differences.isEmpty { lines.append("- Not the same images: \(c.differences.joined(separator: "; ")).") }
            if let a = c.accuracy {
                lines.append("- Accuracy \(ChangesSection.signedPct(a.difference)) (95 % interval \(ChangesSection.interval(a)), McNemar p = \(String(format: "%.3g", a.pValue))): \(ChangesSection.verdict(a)); \(a.rightToWrong) right → wrong, \(a.wrongToRight) wrong → right.")
            }
            for cell in c.cells.sorted(by: { $0.comparison.difference < $1.comparison.difference }).prefix(3) {
                lines.append("- \(cell.cell): \(ChangesSection.pct(cell.before)) → \(ChangesSection.pct(cell.after)) (Holm p = \(String(format: "%.3g", cell.adjustedP)))\(cell.regression ? ", regression" : "")")
            }
            if let e = c.calibration {
                lines.append("- ECE \(ChangesSection.pct(e.before)) → \(ChangesSection.pct(e.after)) (change interval \(ChangesSection.signedPct(e.differenceInterval.0)) to \(ChangesSection.signedPct(e.differenceInterval.1)))")
            }
            for d in c.drift { lines.append("- Attribution drift, \(d.method): SSIM \(String(format: "%.3f", d.ssim)), Spearman \(String(format: "%.3f", d.spearman))") }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
