import Foundation
import LoupeReport
import LoupeTensor

/// Every error a command prints, in the documented form `error: <file>: <where>: <what>`.
public enum ErrorLines {
    /// The error as a `LoupeError` (report-engine errors are translated); nil for other error types.
    public static func loupeError(_ error: Error) -> LoupeError? {
        if let error = error as? LoupeError { return error }
        guard let error = error as? ReportError else { return nil }
        switch error {
        case let .io(path, reason): return LoupeError(.io, file: path, location: "write", reason)
        case let .templateMissing(name, folder): return LoupeError(.io, file: folder, location: "template '\(name)'", "not found")
        case let .templateSyntax(name, line, column, reason):
            return LoupeError(.invalidConfig, file: name, location: "line \(line), column \(column)", reason)
        case let .templateFolder(path, reason): return LoupeError(.io, file: path, location: "templates", reason)
        case let .invalidDocument(reason): return LoupeError(.computation, location: "report", reason)
        case let .backend(reason): return LoupeError(.computation, location: "pdf", reason)
        }
    }

    /// The one-line text after `error: ` for any error (control characters escaped).
    public static func text(_ error: Error) -> String {
        if let converted = loupeError(error) { return converted.description }
        return LoupeError(.computation, String(describing: error)).description
    }
}
