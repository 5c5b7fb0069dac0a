import Foundation
import LoupeTensor

/// Progress and status lines on standard error: timestamped text (for cron), JSON, or nothing.
public final class RunLog: @unchecked Sendable {
    public enum Format: String, Sendable { case text, json }
    let format: Format
    let quiet: Bool
    private let lock = NSLock()
    private let isTerminal: Bool
    private let sink: (String) -> Void

    /// Logs to standard error, or to `sink` (tests capture lines this way).
    public init(format: Format = .text, quiet: Bool = false, sink: ((String) -> Void)? = nil) {
        self.format = format
        self.quiet = quiet
        self.isTerminal = sink == nil && isatty(STDERR_FILENO) != 0
        self.sink = sink ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Writes one status line (`job` may be empty).
    public func info(_ message: String, job: String = "", level: String = "info") {
        if quiet && level == "info" { return }
        let stamp = ISO8601DateFormatter().string(from: Date())
        let line: String
        switch format {
        case .text:
            // Messages quote names from input files: escaped so a line stays one line and sends no terminal codes.
            line = "\(stamp) \(job.isEmpty ? "" : "[\(PrintableText.escaped(job))] ")\(PrintableText.escaped(message))"
        case .json:
            line = "{\"time\": \(SummaryValue.quoted(stamp)), \"level\": \(SummaryValue.quoted(level)), \"job\": \(SummaryValue.quoted(job)), \"message\": \(SummaryValue.quoted(message))}"
        }
        write(line + "\n")
    }

    /// A progress update: a redrawn bar with ETA on a terminal, nothing otherwise (the stage lines suffice for logs).
    public func progress(_ stage: String, done: Int, total: Int, started: Date, job: String) {
        guard isTerminal, !quiet, format == .text, total > 0 else { return }
        let fraction = Double(done) / Double(total)
        let width = 24
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        write(String(format: "\r[%@] %@ %@ %3.0f%% ETA %3.0fs ", job, stage, bar, fraction * 100, eta) + (done >= total ? "\n" : ""))
    }

    /// An error line, always shown.
    public func error(_ message: String, job: String = "") {
        switch format {
        case .text: write("error: \(PrintableText.escaped(message))\n")
        case .json: info(message, job: job, level: "error")
        }
    }

    private func write(_ text: String) {
        lock.lock()
        sink(text)
        lock.unlock()
    }
}
