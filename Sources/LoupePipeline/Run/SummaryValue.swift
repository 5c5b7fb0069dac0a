import Foundation
import LoupeTensor

/// A machine-readable number tree for `summary.json`, written with a fixed key order and number format
/// so the same run gives byte-identical files.
public indirect enum SummaryValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case text(String)
    case flag(Bool)
    case list([SummaryValue])
    /// Keys keep the order they were added in.
    case object([(String, SummaryValue)])

    public static func == (a: SummaryValue, b: SummaryValue) -> Bool { a.json() == b.json() }

    /// A list of numbers.
    public static func numbers<S: Sequence>(_ values: S) -> SummaryValue where S.Element: BinaryFloatingPoint {
        .list(values.map { .number(Double($0)) })
    }

    /// Compact or indented JSON text; numbers print with up to 7 significant digits, non-finite as null.
    public func json(indent: Int = 0, pretty: Bool = true) -> String {
        let pad = pretty ? String(repeating: "  ", count: indent) : ""
        let inner = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let newline = pretty ? "\n" : ""
        switch self {
        case .number(let v):
            guard v.isFinite else { return "null" }
            if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
            return String(format: "%.7g", v)
        case .integer(let v): return String(v)
        case .flag(let v): return v ? "true" : "false"
        case .text(let v): return SummaryValue.quoted(v)
        case .list(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .number = $0 { return true }; if case .integer = $0 { return true }; return false }) {
                return "[" + items.map { $0.json(pretty: false) }.joined(separator: ", ") + "]"
            }
            return "[" + newline + items.map { inner + $0.json(indent: indent + 1, pretty: pretty) }.joined(separator: "," + newline)
                + newline + pad + "]"
        case .object(let entries):
            if entries.isEmpty { return "{}" }
            return "{" + newline + entries.map { inner + SummaryValue.quoted($0.0) + ": " + $0.1.json(indent: indent + 1, pretty: pretty) }
                .joined(separator: "," + newline) + newline + pad + "}"
        }
    }

    /// Whether a key holds a wall-clock measurement (`seconds`, `seconds_per_image`, ...).
    static func isTiming(_ key: String) -> Bool { key.hasPrefix("seconds") || key.hasSuffix("_seconds") }

    /// The tree without wall-clock measurements.
    public var withoutTimings: SummaryValue {
        switch self {
        case .list(let items): return .list(items.map(\.withoutTimings))
        case .object(let entries): return .object(entries.filter { !SummaryValue.isTiming($0.0) }.map { ($0.0, $0.1.withoutTimings) })
        default: return self
        }
    }

    /// Only the wall-clock measurements, keeping the path to each.
    public var timingsOnly: SummaryValue {
        switch self {
        case .list(let items): return .list(items.map(\.timingsOnly))
        case .object(let entries):
            return .object(entries.compactMap { key, value in
                if SummaryValue.isTiming(key) { return (key, value) }
                let inner = value.timingsOnly
                return inner.holdsNoTiming ? nil : (key, inner)
            })
        default: return .object([])
        }
    }

    /// True for what `timingsOnly` leaves of a tree without timings: empty objects, and lists of them.
    var holdsNoTiming: Bool {
        switch self {
        case .object(let entries): return entries.isEmpty
        case .list(let items): return items.allSatisfy(\.holdsNoTiming)
        default: return true
        }
    }

    /// A JSON string literal (non-ASCII characters kept as they are); config.schema.json uses it too.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // Control, bidi-override and line-separator characters as \uXXXX: the file shows them, never acts on them.
                if PrintableText.isUnsafe(scalar) {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
