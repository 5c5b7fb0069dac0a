/// Every failure of the report engine, printed as one line.
public enum ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A template file is absent from the templates folder.
    case templateMissing(name: String, folder: String)
    /// A template failed to parse; `line` is 1-based.
    case templateSyntax(name: String, line: Int, column: Int, reason: String)
    /// A templates folder could not be read.
    case templateFolder(path: String, reason: String)
    /// The document itself is inconsistent (bad sizes, mismatched columns...).
    case invalidDocument(String)
    /// The drawing backend failed (Cairo status, font setup...).
    case backend(String)
    /// Reading or writing a file failed.
    case io(path: String, reason: String)

    /// The one-line message.
    public var description: String {
        switch self {
        case let .templateMissing(name, folder): return "template '\(name)': not found in \(folder)"
        case let .templateSyntax(name, line, column, reason):
            return "template '\(name)': line \(line), column \(column): \(reason)"
        case let .templateFolder(path, reason): return "templates folder \(path): \(reason)"
        case let .invalidDocument(reason): return "report: \(reason)"
        case let .backend(reason): return "pdf: \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}
