import Foundation
import LoupeEngine
import LoupeTensor

/// `loupe inspect`: the layer table of a model, as text or JSON.
public enum Inspection {
    /// Loads a model and returns its summary printed as a table, or as JSON when `json` is set.
    public static func describe(modelPath: String, batchSize: Int = 1, json: Bool = false) throws -> String {
        let model = try Model(path: modelPath)
        let summary = printable(try ModelSummary(model: model, batchSize: batchSize).withSlicedRuns(of: model)
            .withBlockedChains(of: model))
        return json ? try jsonText(summary) : table(summary)
    }

    /// The longest name printed; longer names are cut with a count of the characters left out.
    static let nameLength = 200

    /// `summary` with every name from the model file escaped (control and bidi characters) and cut to `nameLength`.
    static func printable(_ summary: ModelSummary) -> ModelSummary {
        func safe(_ text: String) -> String { PrintableText.escaped(text, maxLength: nameLength) }
        func safeKeys(_ map: [String: [Int]]) -> [String: [Int]] {
            Dictionary(map.map { (safe($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        var copy = summary
        copy.model = safe(summary.model)
        copy.producer = safe(summary.producer)
        copy.inputs = safeKeys(summary.inputs)
        copy.outputs = safeKeys(summary.outputs)
        copy.layers = summary.layers.map { layer in
            var layer = layer
            layer.name = safe(layer.name)
            layer.op = safe(layer.op)
            return layer
        }
        return copy
    }

    /// Pretty-printed JSON with stable key order.
    static func jsonText(_ summary: ModelSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    /// A fixed-width table: node, op, output shape, parameters, multiply-adds, then totals.
    static func table(_ summary: ModelSummary) -> String {
        let header = ["Node", "Op", "Output shape", "Param #", "Mult-Adds"]
        var rows = summary.layers.map { layer in
            [layer.name, layer.op, "[" + layer.outputShape.map(String.init).joined(separator: ", ") + "]",
             grouped(layer.parameters), grouped(layer.multiplyAdds)]
        }
        rows.insert(header, at: 0)
        var widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        widths[0] = min(widths[0], 48)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let text = cell.count > widths[column] ? String(cell.prefix(widths[column] - 1)) + "…" : cell
                let pad = String(repeating: " ", count: max(0, widths[column] - text.count))
                return column >= 3 ? pad + text : text + pad
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "=", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var out = [rule, line(rows[0]), rule]
        out += rows.dropFirst().map(line)
        out.append(rule)
        let inputs = summary.inputs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let outputs = summary.outputs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out.append("Model: \(summary.model)  (producer \(summary.producer.isEmpty ? "unknown" : summary.producer), opset \(summary.opset))")
        out.append("Inputs: \(inputs)   Outputs: \(outputs)   Batch size: \(summary.batchSize)")
        out.append("Nodes run: \(summary.layers.count)   Folded into constants at load: \(summary.foldedNodes)")
        out.append("Total params: \(grouped(summary.totalParameters))")
        out.append("Total mult-adds: \(grouped(summary.totalMultiplyAdds)) (\(String(format: "%.2f", Double(summary.totalMultiplyAdds) / 1e6)) M)")
        if let sliced = summary.slicedForwardRuns {
            out.append("Forward runs over several images: " + (sliced ? "one slice of the batch per worker" : "whole batches"))
        }
        let convolutions = summary.layers.filter { $0.op == "Conv" }
        for (runs, chains, chain) in [("forward-only", summary.forwardChains, \ModelSummary.Layer.forwardChain),
                                      ("input-gradient", summary.gradientChains, \ModelSummary.Layer.gradientChain)] {
            guard let chains else { continue }
            let chained = convolutions.filter { $0[keyPath: chain] != nil }.count
            out.append("oneDNN blocked-layout chains in \(runs) runs: \(chains), running \(chained) of \(convolutions.count) Conv layers")
        }
        out.append(rule)
        return out.joined(separator: "\n")
    }

    /// An integer with thousands separators: 11,173,002.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var groups = [String]()
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(String(digits[start..<end]), at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

/// Shorthand used across commands.
func grouped(_ value: Int) -> String { Inspection.grouped(value) }
