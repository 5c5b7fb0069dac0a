import Foundation
import LoupeEngine

extension FuzzTarget {
    /// Loads model bytes as `loupe inspect` does: read the file, decode and validate, build operators, plan at batch 1.
    ///
    /// The input is written to a file first, so every check made on the path (regular file, size,
    /// top-level fields) runs too. Planning infers every shape and folds constant subgraphs; the
    /// model is never run, so the planner's budget check is what stands between a hostile shape
    /// and an allocation.
    static func runModel(_ input: Data) throws {
        let model = try Model(path: FuzzScratch.write(input, as: "model.onnx"))
        let summary = try ModelSummary(model: model, batchSize: 1)
        _ = summary.totalMultiplyAdds
    }
}
