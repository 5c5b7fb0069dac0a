import Foundation
import LoupeData
import LoupeONNX
import LoupeTensor

/// Trains the demo classifier and writes it as an ONNX file with Loupe's own writer.
///
/// - Parameters:
///   - outputPath: where the model goes (parent folders are created).
///   - trainer: the training options (seed, image counts, epochs, optimiser).
///   - classesPath: when given, the class names are written there, one per line.
///   - log: receives one line per epoch and a final summary (default: printed and flushed at once).
/// - Returns: the training result, including the held-out accuracy.
@discardableResult
public func trainDemoModel(outputPath: String, trainer: DemoTrainer, classesPath: String? = nil,
                           log: (String) -> Void = { print($0); fflush(stdout) }) throws -> DemoTrainingResult {
    let result = try trainer.train(log: log)
    try createParentFolder(of: outputPath)
    try ModelWriter.write(result.graph, to: outputPath, producer: "loupe train-demo")
    if let classesPath {
        try createParentFolder(of: classesPath)
        let text = SyntheticShapesDataset.shapeNames.joined(separator: "\n") + "\n"
        do {
            try text.write(toFile: classesPath, atomically: true, encoding: .utf8)
        } catch {
            throw LoupeError(.io, file: classesPath, "cannot write the class names: \(error.localizedDescription)")
        }
    }
    let bytes = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? Int) ?? 0
    log("wrote \(outputPath) (\(bytes) bytes, \(result.graph.parameterCount) parameters)")
    return result
}

/// Creates the folder that will hold `path`, if missing.
private func createParentFolder(of path: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
        throw LoupeError(.io, file: folder.path, "cannot create the output folder: \(error.localizedDescription)")
    }
}
