import Foundation
import LoupeAnalysis
import LoupeTensor

/// Reads another run's `summary.json` as a CE normaliser.
///
/// The reader takes exactly what the robustness section writes (see `RobustnessSection.numbers`):
/// `robustness.format` = `"loupe-robustness-1"`, `robustness.profile` (text), `robustness.clean_error`
/// (number in [0, 1]) and `robustness.cells`, a list of objects `{"corruption": name, "severity": 1...5,
/// "accuracy": a, "error": e}` with e in [0, 1]. Every problem is a one-line error naming the file and field.
extension RobustnessBaseline {
    /// Reads and validates a baseline summary.
    public static func read(path: String) throws -> RobustnessBaseline {
        func fail(_ field: String, _ reason: String) -> LoupeError { LoupeError(.invalidConfig, file: path, location: field, reason) }
        let data: Data
        do { data = try RegularFile.contents(path) } catch { throw fail("", "cannot read the baseline file") }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch { throw fail("json", "invalid JSON: " + LoupeConfig.jsonErrorSummary(error)) }
        guard case .object(let top) = json else { throw fail("", "expected a summary.json object, got \(json.summary)") }
        guard case .object(let section)? = top["robustness"] else {
            throw fail("robustness", top["robustness"] == nil ? "missing: the run had no robustness section" : "expected an object")
        }
        guard case .string(let format)? = section["format"], format == Self.format else {
            throw fail("robustness.format", "expected \"\(Self.format)\", got \(section["format"]?.summary ?? "nothing")")
        }
        guard case .string(let profile)? = section["profile"] else { throw fail("robustness.profile", "missing or not text") }
        guard case .number(let clean)? = section["clean_error"], (0...1).contains(clean) else {
            throw fail("robustness.clean_error", "expected a number in [0, 1], got \(section["clean_error"]?.summary ?? "nothing")")
        }
        var imageSize = [Int]()
        if case .array(let size)? = section["image_size"] {
            imageSize = size.compactMap { if case .number(let v) = $0 { return Int(v) } else { return nil } }
        }
        guard case .array(let cells)? = section["cells"], !cells.isEmpty else {
            throw fail("robustness.cells", "expected a non-empty list of cells")
        }
        var errors = [String: [Int: Double]]()
        for (index, cell) in cells.enumerated() {
            let field = "robustness.cells[\(index)]"
            guard case .object(let entry) = cell else { throw fail(field, "expected an object, got \(cell.summary)") }
            guard case .string(let name)? = entry["corruption"] else { throw fail("\(field).corruption", "missing or not text") }
            guard case .number(let s)? = entry["severity"], s == s.rounded(), (1...5).contains(Int(s)) else {
                throw fail("\(field).severity", "expected 1...5, got \(entry["severity"]?.summary ?? "nothing")")
            }
            guard case .number(let error)? = entry["error"], (0...1).contains(error) else {
                throw fail("\(field).error", "expected a number in [0, 1], got \(entry["error"]?.summary ?? "nothing")")
            }
            if errors[name]?[Int(s)] != nil { throw fail(field, "duplicate cell \(name) severity \(Int(s))") }
            errors[name, default: [:]][Int(s)] = error
        }
        let name = (path as NSString).lastPathComponent == "summary.json"
            ? ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent + "/summary.json"
            : (path as NSString).lastPathComponent
        var images: Int?
        if case .number(let count)? = section["images"], count >= 0, count == count.rounded(), count < 1e12 { images = Int(count) }
        let manifest = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("run.json")
        var fingerprint: String?
        if let data = try? RegularFile.contents(manifest.path), case .object(let run)? = try? JSONValue.parse(data),
           case .object(let dataset)? = run["dataset"], case .string(let value)? = dataset["fingerprint"] {
            fingerprint = value
        }
        return RobustnessBaseline(path: path, profile: profile, imageSize: imageSize,
                                  normaliser: .init(name: "baseline " + name, errors: errors, cleanError: clean),
                                  images: images, datasetFingerprint: fingerprint)
    }
}
