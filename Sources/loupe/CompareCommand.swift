import ArgumentParser
import Foundation
import LoupePipeline

/// `loupe compare RUN_A RUN_B`: what changed from run A (the baseline) to run B.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare two run folders (A = baseline, B = candidate) and write the Changes pages.",
        discussion: "Exit codes: 0 compared, 6 a gate tripped (the PDF is still written), 4 or 5 a run folder could not be read.")

    @Argument(help: "The baseline run folder.") var runA: String
    @Argument(help: "The run folder compared with it.") var runB: String
    @Option(name: .long, help: "The PDF to write (a JSON with the same name is written beside it).") var output = "diff.pdf"
    @Option(name: .long, help: "Gate: trip when accuracy falls significantly by more than this share (e.g. 0.01).") var accuracyDrop: Double?
    @Option(name: .long, help: "Gate: trip when mean corruption error rises by more than this share with a significant cell.") var corruptionErrorRise: Double?
    @Flag(name: .long, help: "Gate: trip when a sanity verdict turns to fail.") var newSanityFailure = false
    @Option(name: .long, help: "Page size: a4 or letter.") var pageSize = "a4"

    func run() throws {
        var gates = GateOptions()
        gates.accuracyDrop = accuracyDrop
        gates.corruptionErrorRise = corruptionErrorRise
        gates.newSanityFailure = newSanityFailure
        let code: Int32
        do {
            code = try CompareRuns.run(before: runA, after: runB, output: output, gates: gates, pageSize: pageSize)
        } catch {
            ExitCodes.report(error)
            throw ExitCode(ExitCodes.code(for: error))
        }
        if code != 0 { throw ExitCode(code) }
    }
}
