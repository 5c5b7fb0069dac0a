import Foundation
import LoupeAnalysis
import LoupeReport

/// One CI gate's outcome: its condition, whether it passed, and the sentence that explains why.
public struct GateResult: Sendable, Equatable {
    public var name: String
    public var passed: Bool
    public var message: String
    public var value: Double
    public var threshold: Double

    /// The gate as a `summary.json` entry.
    var summary: SummaryValue {
        .object([("gate", .text(name)), ("result", .text(passed ? "pass" : "fail")), ("message", .text(message)),
                 ("value", .number(value)), ("threshold", .number(threshold))])
    }
}

/// Evaluates the configured gates on a comparison and the findings.
enum ReviewGates {
    static func evaluate(_ gates: GateOptions, comparison: RunComparison?, findings: [Finding]) -> [GateResult] {
        var results = [GateResult]()
        if let limit = gates.accuracyDrop {
            if let c = comparison, let a = c.accuracy {
                let interval = ChangesSection.interval(a)
                let tripped = a.significant() && -a.difference > limit
                let message: String
                if tripped {
                    message = "Accuracy fell by \(ChangesSection.pct(-a.difference)) (95 % interval \(interval), McNemar p = \(String(format: "%.3g", a.pValue))), more than the allowed \(ChangesSection.pct(limit))."
                } else if !a.significant() {
                    message = "Accuracy change \(ChangesSection.signedPct(a.difference)) is not significant (95 % interval \(interval), McNemar p = \(String(format: "%.3g", a.pValue)))."
                } else {
                    message = "Accuracy change \(ChangesSection.signedPct(a.difference)) (95 % interval \(interval)) is within the allowed drop of \(ChangesSection.pct(limit))."
                }
                results.append(GateResult(name: "accuracy_drop", passed: !tripped, message: message, value: -a.difference, threshold: limit))
            } else {
                let why = comparison == nil ? "there is no baseline run to compare with" : "the runs were not scored on the same images"
                results.append(GateResult(name: "accuracy_drop", passed: true, message: "Not evaluated: \(why).", value: .nan, threshold: limit))
            }
        }
        if let limit = gates.corruptionErrorRise {
            if let c = comparison, let mean = c.meanCorruptionError {
                let rise = mean.after - mean.before
                let regressions = c.cells.filter(\.regression).count
                let tripped = rise > limit && regressions > 0
                results.append(GateResult(name: "corruption_error_rise", passed: !tripped,
                                          message: "Mean corruption error changed by \(ChangesSection.signedPct(rise)); \(regressions) of \(counted(c.cells.count, "cell")) \(regressions == 1 ? "is a significant regression" : "are significant regressions") after Holm's correction.",
                                          value: rise, threshold: limit))
            } else {
                results.append(GateResult(name: "corruption_error_rise", passed: true,
                                          message: "Not evaluated: no robustness cells scored on the same images in both runs.", value: .nan, threshold: limit))
            }
        }
        if gates.newSanityFailure {
            let newFailures = (comparison?.sanity ?? []).filter { $0.after == SanityOutcome.fails.rawValue && $0.before != SanityOutcome.fails.rawValue }.map(\.method)
            results.append(GateResult(name: "new_sanity_failure", passed: newFailures.isEmpty,
                                      message: newFailures.isEmpty ? "No sanity verdict turned to fail." : "Sanity verdicts that now fail: \(newFailures.joined(separator: ", ")).",
                                      value: Double(newFailures.count), threshold: 0))
        }
        if gates.criticalFindings {
            let critical = findings.filter { $0.severity == .critical }
            results.append(GateResult(name: "critical_findings", passed: critical.isEmpty,
                                      message: critical.isEmpty ? "No critical finding." : "\(critical.count) critical finding\(critical.count == 1 ? "" : "s"): \(critical.first?.message ?? "")",
                                      value: Double(critical.count), threshold: 0))
        }
        return results
    }
}
