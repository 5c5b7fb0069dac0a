import Foundation

/// The options of one report section: its config keys with their JSON Schema, reader, defaults and validation.
///
/// A section names its options type as `ReportSection.Options`; `LoupeConfig` reads
/// `jobs[i].sections.<name>` with it, `JobConfig` stores the result, and `config.schema.json`'s
/// `sections.<name>` is generated from `keys` (see `ConfigSchema`).
public protocol SectionOptions: Sendable, Equatable {
    /// The defaults (what a job gets for `true`, an empty object or no entry).
    init()
    /// Every key of the options object with its JSON Schema, in schema order; the reader allows exactly these.
    static var keys: [OptionKey] { get }
    /// Reads the keys of an options object (unknown keys are already reported); problems go to `reader` with
    /// their JSON path, relative file paths resolve against `folder`.
    static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self
    /// Checks names and ranges, throwing an `invalidConfig` error naming the first bad option.
    func validate() throws
}

extension SectionOptions {
    public func validate() throws {}

    /// The names of `keys`.
    public static var keyNames: [String] { keys.map(\.name) }

    /// Reads `jobs[i].sections.<name>`: `true`/`false` or absent give the defaults, an object is read key by key.
    static func read(_ value: JSONValue?, _ path: String, reader: ConfigReader, folder: String) -> Self {
        guard let value else { return Self() }
        if case .bool = value { return Self() }
        guard let object = reader.object(value, path, allowed: keyNames) else { return Self() }
        return read(object, path, reader: reader, folder: folder)
    }

    /// The JSON Schema of the section's entry: `true`/`false`, or an object of exactly these keys.
    public static var schema: SchemaValue {
        ["oneOf": [["type": "boolean"], objectSchema]]
    }

    /// The JSON Schema of the options object.
    public static var objectSchema: SchemaValue {
        ["type": "object", "additionalProperties": false, "properties": .object(keys.map { ($0.name, $0.schema) })]
    }
}

/// One key of a section's options object and its JSON Schema (type, range, default, description).
public struct OptionKey: Sendable {
    public var name: String
    public var schema: SchemaValue

    /// A key; `description`, when given, is added to the schema after its other entries.
    public init(_ name: String, _ schema: SchemaValue, _ description: String? = nil) {
        self.name = name
        if let description, case .object(var entries) = schema {
            entries.append(("description", .string(description)))
            self.schema = .object(entries)
        } else {
            self.schema = schema
        }
    }
}

/// Options of a section that has none: only `true`, `false` or `{}`.
public struct NoSectionOptions: SectionOptions {
    public init() {}
    public static let keys: [OptionKey] = []
    public static func read(_ object: [String: JSONValue], _ path: String, reader: ConfigReader, folder: String) -> Self { Self() }
}

extension Array where Element == OptionKey {
    /// The integers `minimum...maximum` the schema of key `name` allows (the reader enforces the schema's range).
    func integerRange(_ name: String) -> ClosedRange<Int>? {
        guard let key = first(where: { $0.name == name }), case .object(let entries) = key.schema else { return nil }
        func bound(_ label: String) -> Int? {
            guard case .integer(let value)? = entries.first(where: { $0.0 == label })?.1 else { return nil }
            return value
        }
        guard let low = bound("minimum") else { return nil }
        return low...(bound("maximum") ?? Int.max)
    }
}
