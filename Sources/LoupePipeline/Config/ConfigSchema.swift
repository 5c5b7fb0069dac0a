import Foundation

/// A JSON value that keeps the order of object keys, written as Swift literals (the schema of a config key).
public indirect enum SchemaValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case array([SchemaValue])
    case object([(String, SchemaValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: SchemaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, SchemaValue)...) { self = .object(elements) }

    /// A list of names (an `enum` or a `default`).
    public static func strings(_ names: [String]) -> SchemaValue { .array(names.map { .string($0) }) }

    public static func == (a: SchemaValue, b: SchemaValue) -> Bool { a.json(indent: 0) == b.json(indent: 0) }

    /// JSON text with two spaces per level, one array item or object key per line (as Python's `json.dumps(indent=2)`).
    public func json(indent level: Int) -> String {
        let pad = String(repeating: "  ", count: level + 1), close = String(repeating: "  ", count: level)
        switch self {
        case .string(let text): return SummaryValue.quoted(text)
        case .integer(let value): return String(value)
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : "\(value)"
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.json(indent: level + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case .object(let entries):
            if entries.isEmpty { return "{}" }
            return "{\n" + entries.map { pad + SummaryValue.quoted($0.0) + ": " + $0.1.json(indent: level + 1) }
                .joined(separator: ",\n") + "\n\(close)}"
        }
    }
}

/// `config.schema.json`'s `sections` object, generated from the registered sections' options.
///
/// The committed file is kept in sync by `ConfigSchemaTests`, which regenerates the `sections` object
/// in place when `LOUPE_UPDATE_SCHEMA=1` is set.
public enum ConfigSchema {
    /// The schema of `jobs[i].sections`: one entry per registered section, in report order.
    public static var sections: SchemaValue {
        func entry<S: ReportSection>(_ section: S.Type) -> (String, SchemaValue) { (S.name, S.Options.schema) }
        return ["type": "object", "additionalProperties": false,
                "description": "Sections to include (default: all). true/false, or an object of options.",
                "properties": .object(SectionRegistry.all.map { entry($0) })]
    }

    /// `schemaText` with its `"sections": {...}` object replaced by the generated one (nil when it has none).
    ///
    /// The object is found by its line `"sections": {` and the next line closing it at the same indentation.
    public static func replacingSections(in schemaText: String) -> String? {
        var lines = schemaText.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "\"sections\": {" }) else { return nil }
        let indent = String(lines[start].prefix { $0 == " " })
        guard let end = lines[(start + 1)...].firstIndex(where: { $0 == indent + "}" || $0 == indent + "}," }) else { return nil }
        let comma = lines[end].hasSuffix(",") ? "," : ""
        let generated = indent + "\"sections\": " + sections.json(indent: indent.count / 2) + comma
        lines.replaceSubrange(start...end, with: generated.components(separatedBy: "\n"))
        return lines.joined(separator: "\n")
    }
}
