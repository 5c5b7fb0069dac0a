import ArgumentParser
import LoupePipeline

/// `loupe render-sample`: renders the sample report that shows every block type.
struct RenderSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-sample",
        abstract: "Render the ~30-page sample report (every block type) to a PDF.")

    @Option(name: .long, help: "Where to write the PDF.")
    var output: String = "sample.pdf"

    @Option(name: .long, help: "Paper size: a4 or letter.")
    var pageSize: String = "a4"

    func validate() throws {
        guard ["a4", "letter"].contains(pageSize.lowercased()) else {
            throw ValidationError("--page-size must be a4 or letter, not '\(pageSize)'")
        }
    }

    func run() throws {
        try runReportingErrors { try renderSampleReport(outputPath: output, pageSize: pageSize) }
    }
}
