import ArgumentParser
import Foundation
import LoupePipeline

/// The `loupe` command: a report on what an image classifier learned.
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Turn an image classifier (ONNX) and a dataset into a report on what it learned.",
        version: LoupeVersion.string,
        subcommands: [InspectCommand.self, InferCommand.self, AttributeCommand.self, RunCommand.self, ValidateCommand.self, TrainDemoCommand.self, CorruptCommand.self, EmbedCommand.self, RenderSampleCommand.self, BenchCommand.self])
}

/// Runs a command body, printing a LoupeError as one line and exiting with its documented code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        ExitCodes.report(error)
        throw ExitCode(ExitCodes.code(for: error))
    }
}

Loupe.main()
