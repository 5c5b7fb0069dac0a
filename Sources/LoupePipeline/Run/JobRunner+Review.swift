import Foundation
import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

/// What the review added to a run: located findings, the comparison with the baseline, gates, heading pages.
struct ReviewOutcome {
    var findings: [Finding]
    var comparison: RunComparison?
    var gates: [GateResult]
    var headings: [HeadingEntry]
}

extension JobRunner {
    /// Compares this run (records already in the temporary folder) with the configured baseline, if any.
    func compareWithBaseline(folder: RunFolder, runID: String, modelHash: String, dataset: any Dataset,
                             outputs: [SectionOutput]) throws -> RunComparison? {
        guard let compare = job.review.compare else { return nil }
        let jobFolder = URL(fileURLWithPath: job.outputFolder).appendingPathComponent(job.name).path
        let baselineFolder: String
        if compare == "previous" {
            guard let previous = RunSnapshot.previousRun(in: jobFolder, excluding: runID) else {
                log.info("no earlier run of this job to compare with", job: job.name)
                return nil
            }
            baselineFolder = previous
        } else {
            guard FileManager.default.fileExists(atPath: compare + "/summary.json") else {
                throw LoupeError(.invalidConfig, file: config.path, location: "jobs.\(job.name).compare",
                                 "expected \"previous\" or a run folder holding summary.json, got \(compare)")
            }
            baselineFolder = URL(fileURLWithPath: compare).resolvingSymlinksInPath().path
        }
        let baseline = try RunSnapshot.read(folder: baselineFolder)
        let current = RunSnapshot(
            runID: runID, folder: folder.temporaryURL.path, modelHash: modelHash,
            modelName: (job.modelPath as NSString).lastPathComponent, datasetFingerprint: dataset.fingerprint, imageCount: dataset.count,
            preprocessing: RunSnapshot.canonical(SummaryValue(reflecting: job)["preprocessing"]),
            summary: .object(outputs.map { ($0.key, $0.numbers.withoutTimings) }),
            predictions: try RunRecords.readPredictions(folder: folder.temporaryURL.path),
            robustness: try RunRecords.readRobustness(folder: folder.temporaryURL.path), modelPathRead: job.modelPath)
        return RunComparison(before: baseline, after: current)
    }

    /// Adds the Changes section, the gates' red box and the Findings page to the document.
    func attachReview(_ findings: [Finding], comparison: RunComparison?, trends: [TrendsSection.Point], dataset: any Dataset,
                      to document: inout Document) throws -> ReviewOutcome {
        if let trendsSection = TrendsSection.section(trends) { document.sections.insert(trendsSection, at: 0) }
        if let comparison {
            var changes = ChangesSection.section(comparison)
            // The gallery is an illustration: a failure to draw it must not fail the run.
            if let gallery = try? flipGallery(comparison, dataset: dataset),
               let at = changes.blocks.firstIndex(where: { if case .heading("Images that changed", _) = $0 { return true }; return false }) {
                changes.blocks.insert(.figure(gallery), at: at + 1)
            }
            document.sections.insert(changes, at: 0)
        }
        let gates = ReviewGates.evaluate(job.review.gates, comparison: comparison, findings: findings)
        let failed = gates.filter { !$0.passed }
        if !failed.isEmpty {
            document.titleAlert = ["\(failed.count) review gate\(failed.count == 1 ? "" : "s") tripped"] + failed.map { "\($0.name): \($0.message)" }
        }
        let located = try FindingsPage.attach(findings, gates: gates, to: &document, pageSize: try PageSize.named(job.pageSize))
        return ReviewOutcome(findings: located.findings, comparison: comparison, gates: gates, headings: located.headings)
    }

    /// The key numbers of this job's earlier runs (at most `history`) and of this run, for the Trends section.
    func trendPoints(folder: RunFolder, runID: String, modelHash: String, dataset: any Dataset,
                     outputs: [SectionOutput]) -> [TrendsSection.Point] {
        guard job.review.history > 0 else { return [] }
        let current = TrendsSection.Point(runID: runID, modelHash: modelHash, fingerprint: dataset.fingerprint,
                                          summary: .object(outputs.map { ($0.key, $0.numbers) }))
        return TrendsSection.points(jobFolder: folder.finalURL.deletingLastPathComponent().path, excluding: runID,
                                    history: job.review.history, current: current)
    }

    /// The flipped images with the largest change in true-class probability (at most 12), as a figure.
    func flipGallery(_ comparison: RunComparison, dataset: any Dataset) throws -> Figure? {
        let shown = Array(comparison.flipped.filter { $0.index >= 0 && $0.index < dataset.count }.prefix(12))
        guard !shown.isEmpty else { return nil }
        let (images, _) = try dataset.batch(shown.map(\.index))
        let cells = try shown.enumerated().map { row, flip in
            Figure.Cell(try AttributionFigures.inputImage(images, index: row, preprocessing: job.preprocessing),
                        caption: "\(flip.index): \(flip.rightToWrong ? "✓→✗" : "✗→✓") p(true) \(Int((flip.probabilityBefore * 100).rounded()))→\(Int((flip.probabilityAfter * 100).rounded())) %")
        }
        return Figure(cells: cells, columns: 6, caption: "Flipped images, largest change in true-class probability first (✓ right, ✗ wrong; baseline → this run).",
                      maxCellWidth: 70)
    }

    /// The review's entries of summary.json: `changes` (when compared), `findings`, `gates`.
    static func reviewSummary(_ review: ReviewOutcome) -> [(String, SummaryValue)] {
        var entries = [(String, SummaryValue)]()
        if let comparison = review.comparison { entries.append(("changes", ChangesSection.numbers(comparison))) }
        entries.append(("findings", .list(review.findings.map(\.summary))))
        entries.append(("gates", .list(review.gates.map(\.summary))))
        return entries
    }

    /// Points `<output>/<job>/latest` at the committed run (swapped atomically) and prunes old runs beyond `keep`.
    func updateHistory(committed folder: RunFolder, baseline: String?) throws {
        let jobFolder = folder.finalURL.deletingLastPathComponent().path
        let latest = jobFolder + "/latest"
        let staging = jobFolder + "/.latest-\(ProcessInfo.processInfo.processIdentifier)"
        unlink(staging)
        if symlink(folder.runID, staging) == 0, rename(staging, latest) != 0 {
            unlink(staging)
            log.info("could not update \(latest)", job: job.name)
        }
        guard let keep = job.review.keep else { return }
        let runs = RunHistory.runFolders(in: jobFolder)
        guard runs.count > keep else { return }
        let protected = Set([folder.runID, baseline.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""])
        var excess = runs.count - keep
        for run in runs where excess > 0 && !protected.contains(run) {
            try? FileManager.default.removeItem(atPath: jobFolder + "/" + run)
            excess -= 1
        }
    }
}

/// The finished runs of a job, oldest first.
enum RunHistory {
    /// Names of the run folders in `jobFolder` that hold a summary.json, sorted by run id (oldest first).
    static func runFolders(in jobFolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: jobFolder)) ?? []).filter { name in
            !name.hasPrefix(".") && name != "latest" && FileManager.default.fileExists(atPath: "\(jobFolder)/\(name)/summary.json")
        }.sorted()
    }
}
