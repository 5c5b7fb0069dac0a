import Foundation
import LoupeAnalysis
import LoupeTensor

/// What a comparison needs to know about one run: its identity, its numbers and its per-image records.
///
/// Read from a finished run folder (`run.json`, `summary.json`, `predictions.csv`, ...) or made
/// from the run in progress (its records already written into the temporary folder).
public struct RunSnapshot {
    /// Run id (the folder name).
    public var runID: String
    /// Folder holding the records.
    public var folder: String
    public var modelHash: String
    public var modelName: String
    /// The model file the run read (weights are compared when both files still exist).
    public var modelPath = ""
    public var datasetFingerprint: String
    public var imageCount: Int
    /// The resolved preprocessing as compact JSON (compared as text).
    public var preprocessing: String
    /// Every section's numbers, as in `summary.json`.
    public var summary: SummaryValue
    public var predictions: [RunRecords.Prediction]
    public var robustness: RunRecords.RobustnessCorrectness?

    /// The robustness corruption profile (`cifar`, `imagenet`), if the run had a robustness section.
    public var corruptionProfile: String? { summary["robustness"]?["profile"]?.textValue }

    init(runID: String, folder: String, modelHash: String, modelName: String, datasetFingerprint: String, imageCount: Int,
         preprocessing: String, summary: SummaryValue, predictions: [RunRecords.Prediction],
         robustness: RunRecords.RobustnessCorrectness?, modelPathRead: String = "") {
        self.runID = runID; self.folder = folder; self.modelHash = modelHash; self.modelName = modelName
        self.datasetFingerprint = datasetFingerprint; self.imageCount = imageCount; self.preprocessing = preprocessing
        self.summary = summary; self.predictions = predictions; self.robustness = robustness; self.modelPath = modelPathRead
    }

    /// Reads a finished run folder.
    public static func read(folder: String) throws -> RunSnapshot {
        let manifest = try readJSON(folder + "/run.json")
        let summary = try readJSON(folder + "/summary.json")
        let model = manifest["model"], dataset = manifest["dataset"]
        let preprocessing = canonical(manifest["resolved_config"]?["preprocessing"])
        return RunSnapshot(runID: manifest["run_id"]?.textValue ?? URL(fileURLWithPath: folder).lastPathComponent, folder: folder,
                           modelHash: model?["sha256"]?.textValue ?? "", modelName: model?["path"]?.textValue.map { ($0 as NSString).lastPathComponent } ?? "",
                           datasetFingerprint: dataset?["fingerprint"]?.textValue ?? "",
                           imageCount: Int(dataset?["images"]?.doubleValue ?? 0), preprocessing: preprocessing, summary: summary,
                           predictions: try RunRecords.readPredictions(folder: folder),
                           robustness: try RunRecords.readRobustness(folder: folder),
                           modelPathRead: model?["path"]?.textValue ?? "")
    }

    /// A value as compact JSON with sorted keys, so a tree read back from a file compares equal to the one written.
    static func canonical(_ value: SummaryValue?) -> String {
        guard let value else { return "" }
        guard let parsed = try? JSONValue.parse(Data(value.json(pretty: false).utf8)) else { return value.json(pretty: false) }
        return SummaryValue(json: parsed).json(pretty: false)
    }

    /// A JSON file as a `SummaryValue` tree (object keys sorted; integral numbers become integers).
    static func readJSON(_ path: String) throws -> SummaryValue {
        guard let data = try? RegularFile.contents(path) else {
            throw LoupeError(.io, file: path, "cannot read the file (is this a Loupe run folder?)")
        }
        do { return SummaryValue(json: try JSONValue.parse(data)) } catch {
            throw LoupeError(.invalidInput, file: path, "invalid JSON")
        }
    }

    /// The newest earlier successful run of a job in `jobFolder` (`<output>/<job>`), other than `excluding`.
    ///
    /// Run ids start with a UTC timestamp, so the newest is the greatest name; a run counts as
    /// successful when its folder holds `summary.json` and `predictions.csv` (partial runs are hidden
    /// `.partial` folders and never qualify).
    public static func previousRun(in jobFolder: String, excluding runID: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: jobFolder)) ?? []
        return names.filter { name in
            !name.hasPrefix(".") && name != runID && name != "latest" && name < runID
                && FileManager.default.fileExists(atPath: "\(jobFolder)/\(name)/summary.json")
                && FileManager.default.fileExists(atPath: "\(jobFolder)/\(name)/\(RunRecords.predictionsFile)")
        }.max().map { "\(jobFolder)/\($0)" }
    }
}

extension SummaryValue {
    /// Converts parsed JSON (object keys sorted, integral numbers as integers, null as NaN).
    init(json: JSONValue) {
        switch json {
        case .null: self = .number(.nan)
        case .bool(let v): self = .flag(v)
        case .number(let v): self = v == v.rounded() && abs(v) < 1e15 ? .integer(Int(v)) : .number(v)
        case .string(let v): self = .text(v)
        case .array(let items): self = .list(items.map(SummaryValue.init(json:)))
        case .object(let entries): self = .object(entries.keys.sorted().map { ($0, SummaryValue(json: entries[$0] ?? .null)) })
        }
    }
}
