import Foundation
import LoupeAnalysis
import LoupeData
import LoupeTensor

/// The per-image records every run keeps beside its report, so that two runs can be compared later.
///
/// - `predictions.csv`: `index,source,label,prediction,confidence,true_class_probability`, one row per
///   dataset image (index into the job's dataset after sampling; source = file name when the dataset
///   has files, else `<dataset name>#<index in the unsampled dataset>`).
/// - `robustness_correct.csv`: `index,clean,<corruption>@<severity>,...`, one row per image the
///   robustness section sampled, `1` when that cell's prediction was right.
/// - `attributions/<method>.npy` (`N x 1 x H x W` or `N x C x H x W` display maps of the gradients
///   gallery) and `attributions/indices.csv` (the gallery's dataset indices in row order).
public enum RunRecords {
    /// File name of the predictions record.
    public static let predictionsFile = "predictions.csv"
    /// File name of the robustness correctness record.
    public static let robustnessFile = "robustness_correct.csv"
    /// Folder of the attribution maps.
    public static let attributionsFolder = "attributions"

    /// One row of `predictions.csv`.
    public struct Prediction: Equatable, Sendable {
        public var index: Int
        public var source: String
        public var label: Int
        public var prediction: Int
        public var confidence: Double
        public var trueClassProbability: Double

        public var correct: Bool { label == prediction }
    }

    /// The per-image correctness of every robustness cell.
    public struct RobustnessCorrectness: Sendable {
        /// Dataset indices of the sampled images (rows).
        public var indices: [Int]
        /// Column names: `clean`, then `<corruption>@<severity>`.
        public var cells: [String]
        /// `hits[cell][row]`.
        public var hits: [[Bool]]
    }

    /// `predictions.csv` for an evaluation of `dataset`.
    public static func predictions(_ evaluation: Evaluation, dataset: any Dataset) -> Data {
        var text = "index,source,label,prediction,confidence,true_class_probability\n"
        for i in evaluation.labels.indices {
            let source = csvField(sourceName(dataset, index: i))
            text += "\(i),\(source),\(evaluation.labels[i]),\(evaluation.predictions[i]),"
                + String(format: "%.6g,%.6g\n", Double(evaluation.confidences[i]), Double(evaluation.trueClassProbabilities[i]))
        }
        return Data(text.utf8)
    }

    /// `robustness_correct.csv` for a robustness result.
    static func robustnessCorrectness(_ result: RobustnessResult) -> Data {
        var columns = ["clean"]
        var hits = [result.clean.hits]
        for (c, name) in result.corruptions.enumerated() {
            for (s, severity) in result.severities.enumerated() where s < result.cells[c].count {
                columns.append("\(name)@\(severity)")
                hits.append(result.cells[c][s].hits)
            }
        }
        var text = "index," + columns.joined(separator: ",") + "\n"
        for (row, index) in result.indices.enumerated() {
            text += String(index)
            for column in hits { text += row < column.count ? (column[row] ? ",1" : ",0") : "," }
            text += "\n"
        }
        return Data(text.utf8)
    }

    /// The gradients gallery's display maps and image indices, from the section's arrays and numbers.
    static func attributions(_ output: SectionOutput) -> [(String, Data)] {
        guard output.key == "gradients" else { return [] }
        var records = [(String, Data)]()
        for (name, tensor) in output.arrays where name.hasPrefix("display_") {
            let method = String(name.dropFirst("display_".count)).replacingOccurrences(of: "_", with: "-")
            records.append(("\(attributionsFolder)/\(method).npy", NPY.encode(.float(tensor))))
        }
        if case .object(let entries) = output.numbers, let gallery = entries.first(where: { $0.0 == "gallery" })?.1,
           case .object(let galleryEntries) = gallery, let images = galleryEntries.first(where: { $0.0 == "images" })?.1,
           case .list(let items) = images {
            var text = "row,index\n"
            for (row, item) in items.enumerated() {
                if case .object(let fields) = item, case .integer(let index)? = fields.first(where: { $0.0 == "index" })?.1 {
                    text += "\(row),\(index)\n"
                }
            }
            records.append(("\(attributionsFolder)/indices.csv", Data(text.utf8)))
        }
        return records
    }

    /// Reads a run folder's `predictions.csv`.
    public static func readPredictions(folder: String) throws -> [Prediction] {
        let path = folder + "/" + predictionsFile
        let rows = try readCSV(path)
        return try rows.dropFirst().enumerated().map { number, fields in
            guard fields.count == 6, let index = Int(fields[0]), let label = Int(fields[2]), let prediction = Int(fields[3]),
                  let confidence = Double(fields[4]), let probability = Double(fields[5]) else {
                throw LoupeError(.invalidInput, file: path, location: "line \(number + 2)", "expected 6 fields: index, source, label, prediction, confidence, probability")
            }
            return Prediction(index: index, source: fields[1], label: label, prediction: prediction, confidence: confidence,
                              trueClassProbability: probability)
        }
    }

    /// Reads a run folder's `robustness_correct.csv`, or nil when the run had no robustness section.
    public static func readRobustness(folder: String) throws -> RobustnessCorrectness? {
        let path = folder + "/" + robustnessFile
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let rows = try readCSV(path)
        guard let header = rows.first, header.first == "index" else {
            throw LoupeError(.invalidInput, file: path, location: "line 1", "expected a header starting with 'index'")
        }
        let cells = Array(header.dropFirst())
        var indices = [Int]()
        var hits = [[Bool]](repeating: [], count: cells.count)
        for (number, fields) in rows.dropFirst().enumerated() {
            guard fields.count == header.count, let index = Int(fields[0]) else {
                throw LoupeError(.invalidInput, file: path, location: "line \(number + 2)", "expected \(header.count) fields")
            }
            indices.append(index)
            for c in cells.indices { hits[c].append(fields[c + 1] == "1") }
        }
        return RobustnessCorrectness(indices: indices, cells: cells, hits: hits)
    }

    /// Where image `index` of `dataset` came from.
    static func sourceName(_ dataset: any Dataset, index: Int) -> String {
        if let subset = dataset as? SubsetDataset, index < subset.baseIndices.count {
            return sourceName(subset.base, index: subset.baseIndices[index])
        }
        if let folder = dataset as? ImageFolderDataset, index < folder.files.count { return folder.files[index] }
        return "\(dataset.name)#\(index)"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The rows of a small CSV file (quoted fields with doubled quotes are understood).
    static func readCSV(_ path: String) throws -> [[String]] {
        let data = try RegularFile.contents(path, failure: "cannot read the file")
        var rows = [[String]](), row = [String](), field = "", quoted = false, pendingQuote = false
        for character in String(decoding: data, as: UTF8.self) {
            if quoted {
                if pendingQuote {
                    pendingQuote = false
                    if character == "\"" { field.append("\""); continue }
                    quoted = false
                } else if character == "\"" { pendingQuote = true; continue } else { field.append(character); continue }
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",": row.append(field); field = ""
            case "\n", "\r\n":
                row.append(field); field = ""
                rows.append(row); row = []
            default: field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
