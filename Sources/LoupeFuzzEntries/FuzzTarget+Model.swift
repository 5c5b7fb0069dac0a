import Foundation
import LoupeEngine
import LoupeONNX

extension FuzzTarget {
    /// Loads model bytes as `loupe inspect` does: decode and validate, build operators, plan at batch 1.
    ///
    /// Planning infers every shape and folds constant subgraphs; the model is never run, so the
    /// planner's budget check is what stands between a hostile shape and an allocation.
    static func runModel(_ input: Data) throws {
        let path = (FuzzScratch.folder as NSString).appendingPathComponent("model.onnx")
        let graph = try ModelLoader.load(data: input, path: path)
        let model = try Model(graph: graph)
        let summary = try ModelSummary(model: model, batchSize: 1)
        _ = summary.totalMultiplyAdds
    }
}
