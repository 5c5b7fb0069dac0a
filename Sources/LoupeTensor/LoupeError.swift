/// Every error Loupe reports to a user: where it happened and what went wrong, on one line.
///
/// Printed as `error: <file>: <where>: <what>`. `file` is the path of the user's file
/// (model, config, image, array); `location` names the node, tensor, field or JSON path.
public struct LoupeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Broad class of failure; selects the process exit code.
    public enum Kind: Sendable, Equatable {
        /// A model file is malformed, hostile or uses unsupported features.
        case invalidModel
        /// An input file (array, image, dataset) is malformed or has the wrong shape.
        case invalidInput
        /// A configuration or command-line value is wrong.
        case invalidConfig
        /// Reading or writing a file failed.
        case io
        /// A numeric or internal computation could not proceed.
        case computation
    }

    public var kind: Kind
    /// The user's file this concerns, or empty when none.
    public var file: String
    /// The node, tensor, field or JSON path inside the file, or empty.
    public var location: String
    /// What went wrong, in plain words.
    public var reason: String

    public init(_ kind: Kind, file: String = "", location: String = "", _ reason: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.reason = reason
    }

    /// The one-line message, `error:` prefix excluded.
    ///
    /// Every part may carry bytes from a hostile file, so each is escaped (`PrintableText`) and
    /// shortened: the message is always one line and never sends a terminal escape sequence.
    public var description: String {
        [PrintableText.escaped(file, maxLength: 400), PrintableText.escaped(location, maxLength: 300),
         PrintableText.escaped(reason, maxLength: 1_200)].filter { !$0.isEmpty }.joined(separator: ": ")
    }

    /// A copy with the file filled in when it was not known where the error was raised.
    public func inFile(_ path: String) -> LoupeError {
        var copy = self
        if copy.file.isEmpty { copy.file = path }
        return copy
    }
}

/// Multiplies sizes, returning nil on overflow or a negative factor.
public func checkedProduct<S: Sequence>(_ factors: S) -> Int? where S.Element == Int {
    var product = 1
    for factor in factors {
        guard factor >= 0 else { return nil }
        let (result, overflow) = product.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        product = result
    }
    return product
}
