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

    func string(_ object: [String: JSONValue]?, _ key: String, _ path: String, required: Bool = false) -> String? {
        guard let value = object?[key] else {
            if required { problem(join(path, key), "missing (required)") }
            return nil
        }
        guard case .string(let text) = value else {
            problem(join(path, key), "expected a string, got \(value.summary)")
            return nil
        }
        return text
    }

    func int(_ object: [String: JSONValue]?, _ key: String, _ path: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let value = object?[key] else { return nil }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 9e15 else {
            problem(join(path, key), "expected an integer, got \(value.summary)")
            return nil
        }
        let int = Int(number)
        if let range, !range.contains(int) {
            problem(join(path, key), "expected \(range.lowerBound)...\(range.upperBound), got \(int)")
            return nil
        }
        return int
    }

    func double(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> Double? {
        guard let value = object?[key] else { return nil }
        guard case .number(let number) = value else {
            problem(join(path, key), "expected a number, got \(value.summary)")
            return nil
        }
        return number
    }

    func bool(_ object: [String: JSONValue]?, _ key: String, _ path: String) -> Bool? {
        guard let value = object?[key] else { return nil }
        guard case .bool(let flag) = value else {
            problem(join(path, key), "expected true or false, got \(value.summary)")
            return nil
        }
        return flag
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
        guard let value = object?[key] else { return nil }
        guard case .array(let array) = value else {
            problem(join(path, key), "expected an array, got \(value.summary)")
            return nil
        }
        return array
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
        guard let array = array(object, key, path) else { return nil }
        var result = [String]()
        for (index, item) in array.enumerated() {
            guard case .string(let text) = item else {
                problem("\(join(path, key))[\(index)]", "expected a string, got \(item.summary)")
                continue
            }
            result.append(text)
        }
        return result
    }

    func ints(_ object: [String: JSONValue]?, _ key: String, _ path: String, range: ClosedRange<Int>? = nil) -> [Int]? {
        guard let array = array(object, key, path) else { return nil }
        var result = [Int]()
        for (index, item) in array.enumerated() {
            let itemPath = "\(join(path, key))[\(index)]"
            guard case .number(let number) = item, number == number.rounded(), abs(number) < 9e15 else {
                problem(itemPath, "expected an integer, got \(item.summary)")
                continue
            }
            if let range, !range.contains(Int(number)) {
                problem(itemPath, "expected \(range.lowerBound)...\(range.upperBound), got \(Int(number))")
                continue
            }
            result.append(Int(number))
        }
        return result
    }

    func doubles(_ object: [String: JSONValue]?, _ key: String, _ path: String, count: Int? = nil) -> [Double]? {
        guard let array = array(object, key, path) else { return nil }
        var result = [Double]()
        for (index, item) in array.enumerated() {
            guard case .number(let number) = item else {
                problem("\(join(path, key))[\(index)]", "expected a number, got \(item.summary)")
                continue
            }
            result.append(number)
        }
        if let count, result.count != count {
            problem(join(path, key), "expected \(count) numbers, got \(array.count)")
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
