import Foundation

extension SummaryValue {
    /// A JSON tree of a value's stored properties, with snake_case keys (for manifests such as `run.json`).
    ///
    /// Strings, numbers and flags map to themselves, `nil` to `null`, arrays to lists, dictionaries to
    /// objects sorted by key, enums to their description, and structs to objects in declaration order.
    public init(reflecting value: Any) {
        switch value {
        case let text as String: self = .text(text)
        case let flag as Bool: self = .flag(flag)
        case let integer as Int: self = .integer(integer)
        case let integer as UInt64: self = .integer(Int(truncatingIfNeeded: integer))
        case let number as Double: self = .number(number)
        case let number as Float: self = .number(Double(number))
        default:
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .optional:
                self = mirror.children.first.map { SummaryValue(reflecting: $0.value) } ?? .number(.nan)
            case .collection, .set:
                self = .list(mirror.children.map { SummaryValue(reflecting: $0.value) })
            case .dictionary:
                let pairs = mirror.children.map { child -> (String, SummaryValue) in
                    let parts = Array(Mirror(reflecting: child.value).children)
                    let key = parts.first.map { String(describing: $0.value) } ?? ""
                    return (key, parts.count > 1 ? SummaryValue(reflecting: parts[1].value) : .number(.nan))
                }
                self = .object(pairs.sorted { $0.0 < $1.0 })
            case .enum:
                self = .text(String(describing: value))
            default:
                self = .object(mirror.children.map { (SummaryValue.snakeCase($0.label ?? ""), SummaryValue(reflecting: $0.value)) })
            }
        }
    }

    /// `modelPath` → `model_path`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                if !out.isEmpty { out.append("_") }
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }
}
