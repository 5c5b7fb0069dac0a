import Foundation
import LoupeEngine
import LoupeTensor

/// `loupe infer`: run every row of an NPY input through a model in batches and write the outputs.
public enum Inference {
    /// What an inference run wrote.
    public struct Report: Sendable {
        public var rows: Int
        public var outputPath: String
        public var tapPaths: [String: String]
        public var seconds: Double
    }

    /// Runs `inputPath` (N x sample shape) through the model; writes the first output to
    /// `outputPath` and each tap as `<sanitised name>.npy` in the same folder.
    public static func run(modelPath: String, inputPath: String, outputPath: String, batchSize: Int = 32,
                           taps: [String] = []) throws -> Report {
        guard batchSize > 0 else {
            throw LoupeError(.invalidConfig, location: "--batch-size", "must be positive, got \(batchSize)")
        }
        let model = try Model(path: modelPath)
        let input = try NPY.read(path: inputPath).asFloat
        guard input.rank >= 1, input.shape[0] > 0 else {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape", "expected at least one row, got \(input.shape)")
        }
        if let sample = model.sampleShape, Array(input.shape.dropFirst()) != sample {
            throw LoupeError(.invalidInput, file: inputPath, location: "shape",
                             "model '\(model.primaryInputName)' expects N x \(sample), got \(input.shape)")
        }
        let plan = try model.plan(inputShapes: [model.primaryInputName: [min(batchSize, input.shape[0])] + input.shape.dropFirst()])
        try model.validateValueNames(Set(taps), plan: plan, role: "tap")
        let started = Date()
        var outputBatches = [Tensor]()
        var tapBatches = [String: [Tensor]]()
        var start = 0
        while start < input.shape[0] {
            let end = min(start + batchSize, input.shape[0])
            let result = try model.run(input.slice(batch: start..<end), taps: Set(taps))
            outputBatches.append(try result.firstOutput(of: model))
            for (name, value) in result.taps { tapBatches[name, default: []].append(value.asFloat) }
            start = end
        }
        let seconds = Date().timeIntervalSince(started)
        let folder = (outputPath as NSString).deletingLastPathComponent
        var tapPaths = [String: String]()
        var pending = [(String, Tensor)]()
        pending.append((outputPath, Tensor.stacking(batches: outputBatches)))
        for name in taps {
            let path = (folder.isEmpty ? "." : folder) + "/" + fileSafeName(name) + ".npy"
            tapPaths[name] = path
            pending.append((path, Tensor.stacking(batches: tapBatches[name] ?? [])))
        }
        for (path, tensor) in pending { try NPY.write(.float(tensor), to: path) }
        return Report(rows: input.shape[0], outputPath: outputPath, tapPaths: tapPaths, seconds: seconds)
    }

    /// A value name made safe as a file name: characters other than letters, digits, `.`, `_`, `-` become `_`.
    public static func fileSafeName(_ name: String) -> String {
        var result = String(name.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar.value < 128) && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "_"
        })
        while result.hasPrefix(".") || result.hasPrefix("_") { result.removeFirst() }
        return result.isEmpty ? "value" : result
    }
}
