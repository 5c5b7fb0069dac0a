import Foundation
import LoupeTensor

/// Walks a parsed JSON object, collecting every problem with its JSON path instead of stopping at the first.
///
/// Each accessor returns nil (or a default) when the value is missing or wrong, after recording
/// a message such as `jobs[1].dataset.limit: expected an integer, got "ten"`.
public final class ConfigReader {
    let file: String
    private(set) var problems: [String] = []

    init(file: String) { self.file = file }

    func problem(_ path: String, _ message: String) { problems.append("\(path): \(message)") }

    /// The object at `path`, checking its keys against `allowed` (unknown keys get a suggestion).
    func object(_ value: JSONValue?, _ path: String, allowed: [String]) -> [String: JSONValue]? {
        guard let value else { return nil }
        guard case .object(let dictionary) = value else {
            problem(path, "expected an object, got \(value.summary)")
            return nil
        }
        for key in dictionary.keys.sorted() where !allowed.contains(key) {
            let hint = closest(key, among: allowed).map { "; did you mean '\($0)'?" } ?? ""
            problem(path.isEmpty ? key : "\(path).\(key)", "unknown key\(hint)")
        }
        return dictionary
    }

    /// What each kind of value holds: its payload, or nil for a value of another kind.
    private static func text(_ value: JSONValue) -> String? { if case .string(let text) = value { text } else { nil } }
    private static func number(_ value: JSONValue) -> Double? { if case .number(let number) = value { number } else { nil } }
    private static func flag(_ value: JSONValue) -> Bool? { if case .bool(let flag) = value { flag } else { nil } }
    private static func list(_ value: JSONValue) -> [JSONValue]? { if case .array(let array) = value { array } else { nil } }
    /// A number that is a whole number Int can hold exactly.
    private static func integer(_ value: JSONValue) -> Int? {
        guard let number = number(value), number == number.rounded(), abs(number) < 9e15 else { return nil }
        return Int(number)
    }

    /// The problem with `value` outside `range`, or nil.
    private static func outside(_ range: ClosedRange<Int>?) -> (Int) -> String? {
        { value in
            guard let range, !range.contains(value) else { return nil }
            return "expected \(range.lowerBound)...\(range.upperBound), got \(value)"
        }
    }

    /// The value of `key` as `read` takes it and `check` accepts it; nil when it is absent, or
    /// wrong (a problem saying what was `expected`, or what `check` says).
    private func value<T>(_ object: [String: JSONValue]?, _ key: String, _ path: String, expected: String,
                          _ read: (JSONValue) -> T?, check: (T) -> String? = { _ in nil }) -> T? {
        guard let value = object?[key] else { return nil }
        return accepted(value, at: join(path, key), expected: expected, read, check: check)
    }

    /// The items of array `key` that `read` takes and `check` accepts; each other one is a problem at its index.
    private func items<T>(_ object: [String: JSONValue]?, _ key: String, _ path: String, expected: String,
                          _ read: (JSONValue) -> T?, check: (T) -> String? = { _ in nil }) -> [T]? {
        guard let array = array(object, key, path) else { return nil }
        return array.enumerated().compactMap { index, item in
            accepted(item, at: "\(join(path, key))[\(index)]", expected: expected, read, check: check)
        }
    }

    private func accepted<T>(_ value: JSONValue, at path: String, expected: String,
                             _ read: (JSONValue) -> T?, check: (T) -> String?) -> T? {
        guard let result = read(value) else {
            problem(path, "expected \(expected), got \(value.summary)")
            return nil
        }
        if let message = check(result) {
            problem(path, message)
            return nil
        }
        return result
    }

    func string(_ object: [String: JSONValue]?, _ key: String, _ path: String, required: Bool = false) -> String? {
        if required, object?[key] == nil { problem(join(path, key), "missing (required)") }
        return value(object, key, path, expected: "a string", Self.text)
    }

    func int(_ object: [String: JSONValue]?, _ key: String, _ path: String, range: ClosedRange<Int>? = nil) -> Int? {
        value(object, key, path, expected: "an integer", Self.integer, check: Self.outside(range))
    }

    func double(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> Double? {
        value(object, key, path, expected: "a number", Self.number)
    }

    func bool(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> Bool? {
        value(object, key, path, expected: "true or false", Self.flag)
    }

    func choice(_ object: [String: JSONValue]?, _ key: String, _ path: String, among options: [String]) -> String? {
        guard let text = string(object, key, path) else { return nil }
        guard options.contains(text) else {
            let hint = closest(text, among: options).map { " (did you mean '\($0)'?)" } ?? ""
            problem(join(path, key), "expected one of \(options.joined(separator: ", ")), got \"\(text)\"\(hint)")
            return nil
        }
        return text
    }

    func array(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> [JSONValue]? {
        value(object, key, path, expected: "an array", Self.list)
    }

    /// A list of names from `known` (e.g. `methods`); each unknown one is reported at its index with a suggestion.
    func names(_ object: [String: JSONValue]?, _ key: String, _ path: String, known: [String]) -> [String]? {
        guard let values = strings(object, key, path) else { return nil }
        for (index, name) in values.enumerated() where !known.contains(name) {
            let hint = closest(name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            problem("\(join(path, key))[\(index)]", "unknown method '\(name)'\(hint); known: \(known.joined(separator: ", "))")
        }
        return values
    }

    func strings(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> [String]? {
        items(object, key, path, expected: "a string", Self.text)
    }

    func ints(_ object: [String: JSONValue]?, _ key: String, _ path: String, range: ClosedRange<Int>? = nil) -> [Int]? {
        items(object, key, path, expected: "an integer", Self.integer, check: Self.outside(range))
    }

    func doubles(_ object: [String: JSONValue]?, _ key: String, _ path: String, count: Int? = nil) -> [Double]? {
        guard let result = items(object, key, path, expected: "a number", Self.number) else { return nil }
        if let count, result.count != count {
            problem(join(path, key), "expected \(count) numbers, got \(object?[key].flatMap(Self.list)?.count ?? 0)")
            return nil
        }
        return result
    }

    /// `parent.key`, or `key` at the top level.
    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The allowed word nearest to `word` by edit distance, if it is close enough to be a typo.
    func closest(_ word: String, among words: [String]) -> String? {
        let scored = words.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return nil }
        return best
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
