import Foundation
import LoupeTensor

/// The process exit codes Loupe documents (README, "Exit codes").
public enum ExitCodes {
    /// Everything succeeded.
    public static let success: Int32 = 0
    /// Some jobs of a batch failed (the others finished), or a computation failed.
    public static let failure: Int32 = 1
    /// The command line was wrong.
    public static let usage: Int32 = 2
    /// A model file was refused (malformed, hostile, unsupported operators).
    public static let invalidModel: Int32 = 3
    /// An input file (array, image, dataset) was refused.
    public static let invalidInput: Int32 = 4
    /// A file could not be read or written.
    public static let io: Int32 = 5
    /// A review gate tripped (`gates` in the config); the report was still written.
    public static let gateTripped: Int32 = 6
    /// The configuration is invalid.
    public static let invalidConfig: Int32 = 78

    /// The exit code for an error.
    public static func code(for error: Error) -> Int32 {
        guard let error = error as? LoupeError else { return failure }
        switch error.kind {
        case .invalidModel: return invalidModel
        case .invalidInput: return invalidInput
        case .invalidConfig: return invalidConfig
        case .io: return io
        case .computation: return failure
        }
    }

    /// Writes `error: <message>` as one line to standard error.
    public static func report(_ error: Error) {
        let text: String
        if let error = error as? LoupeError {
            text = error.description
        } else {
            text = PrintableText.escaped(String(describing: error), maxLength: 2_000)
        }
        let line = "error: " + text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
