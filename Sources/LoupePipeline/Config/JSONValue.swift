import Foundation

/// A parsed JSON value that keeps booleans and numbers apart (unlike JSONSerialization on Linux).
public enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// Parses JSON text strictly (`JSONParser`): a `JSONSyntaxError` names the line and column.
    public static func parse(_ data: Data) throws -> JSONValue {
        var parser = JSONParser(data)
        return try parser.parseDocument()
    }

    /// A short description for error messages: `"ten"`, `3`, `an array`.
    var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let v): return v ? "true" : "false"
        case .number(let v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
        case .string(let v): return "\"\(v.prefix(40))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
