import Foundation
import LoupeAnalysis
import LoupeReport

/// The "Trends" section: the key numbers of the job's earlier runs in the output folder, with this run last.
enum TrendsSection {
    static let title = "Trends over the earlier runs"

    /// The key numbers of one run.
    struct Point {
        var runID: String
        var modelHash: String
        var fingerprint: String
        var accuracy: Double
        var meanCorruptionError: Double
        var ece: Double
        var deadChannels: Double
        var sanityPasses: Double
        var sanityMethods: Int
        var modelChanged = false
        var datasetChanged = false

        init(runID: String, modelHash: String, fingerprint: String, summary: SummaryValue) {
            self.runID = runID
            self.modelHash = modelHash
            self.fingerprint = fingerprint
            accuracy = summary["summary"]?["accuracy"]?.doubleValue ?? .nan
            meanCorruptionError = summary["robustness"]?["mean_error_unnormalised"]?.doubleValue ?? .nan
            ece = summary["robustness"]?["calibration"]?["clean"]?["ece"]?.doubleValue ?? .nan
            let layers = summary["activations"]?["layers"]?.listValue
            deadChannels = layers.map { Double($0.reduce(0) { $0 + ($1["dead"]?.listValue?.count ?? 0) }) } ?? .nan
            if case .object(let verdicts)? = summary["sanity"]?["verdicts"] {
                sanityMethods = verdicts.count
                sanityPasses = Double(verdicts.filter { $0.1["randomisation"]?.textValue == SanityOutcome.passes.rawValue }.count)
            } else {
                sanityMethods = 0
                sanityPasses = .nan
            }
        }
    }

    /// The earlier runs (at most `history`, oldest first) from `jobFolder`, then the current run; changes marked.
    static func points(jobFolder: String, excluding runID: String, history: Int, current: Point) -> [Point] {
        let earlier = RunHistory.runFolders(in: jobFolder).filter { $0 != runID && $0 < runID }.suffix(history)
        var points = earlier.compactMap { name -> Point? in
            let folder = jobFolder + "/" + name
            guard let summary = try? RunSnapshot.readJSON(folder + "/summary.json") else { return nil }
            let manifest = try? RunSnapshot.readJSON(folder + "/run.json")
            return Point(runID: name, modelHash: manifest?["model"]?["sha256"]?.textValue ?? "",
                         fingerprint: manifest?["dataset"]?["fingerprint"]?.textValue ?? "", summary: summary)
        }
        points.append(current)
        for i in points.indices.dropFirst() {
            points[i].modelChanged = points[i].modelHash != points[i - 1].modelHash
            points[i].datasetChanged = points[i].fingerprint != points[i - 1].fingerprint
        }
        return points
    }

    /// The section, or nil when there is no earlier run.
    static func section(_ points: [Point]) -> Section? {
        guard points.count > 1 else { return nil }
        func series(_ name: String, _ value: (Point) -> Double) -> LineSeries {
            LineSeries(name, points: points.enumerated().compactMap { i, p in value(p).isFinite ? (Double(i + 1), value(p)) : nil })
        }
        let changes = points.enumerated().filter { $0.element.modelChanged || $0.element.datasetChanged }.map { i, p in
            "run \(i + 1) (\(p.modelChanged ? "model" : "")\(p.modelChanged && p.datasetChanged ? " and " : "")\(p.datasetChanged ? "dataset" : "") changed)"
        }
        let marks = changes.isEmpty ? "The model and the dataset are the same in every run." : "Marked changes: " + changes.joined(separator: ", ") + "."
        var blocks: [Block] = [
            .text("The last \(points.count - 1) earlier run\(points.count == 2 ? "" : "s") of this job in the output folder, oldest first; the last point is this run. \(marks)"),
            .chart(Chart(.line(series: [series("clean accuracy") { $0.accuracy }, series("mean corruption error") { $0.meanCorruptionError },
                                        series("ECE (clean)") { $0.ece }], logY: false),
                         title: "Accuracy, corruption error and calibration", xLabel: "run", yLabel: "share", height: 180, yCovers: [0, 1])),
            .chart(Chart(.line(series: [series("dead channels") { $0.deadChannels },
                                        series("sanity passes") { $0.sanityPasses }], logY: false),
                         title: "Dead channels and sanity verdicts", xLabel: "run", yLabel: "count", height: 160, yCovers: [0])),
        ]
        blocks.append(.table(DataTable(columns: [
            TableColumn("#", alignment: .right, format: .integer, weight: 0.4), TableColumn("Run", weight: 1.7, monospace: true),
            TableColumn("Accuracy", alignment: .right, format: .percent(places: 1)), TableColumn("mCE", alignment: .right, format: .percent(places: 1)),
            TableColumn("ECE", alignment: .right, format: .percent(places: 1)), TableColumn("Dead", alignment: .right, format: .integer, weight: 0.6),
            TableColumn("Sanity passes", alignment: .right), TableColumn("Changed", weight: 1.2),
        ], rows: points.enumerated().map { i, p in
            [.number(Double(i + 1)), .text(p.runID), .number(p.accuracy), .number(p.meanCorruptionError), .number(p.ece),
             .number(p.deadChannels), .text(p.sanityPasses.isFinite ? "\(Int(p.sanityPasses)) of \(p.sanityMethods)" : "–"),
             .text([p.modelChanged ? "model" : "", p.datasetChanged ? "dataset" : ""].filter { !$0.isEmpty }.joined(separator: ", "))]
        }, caption: "The numbers behind the charts.")))
        return Section(title: title, anchor: "trends", blocks: blocks)
    }
}
