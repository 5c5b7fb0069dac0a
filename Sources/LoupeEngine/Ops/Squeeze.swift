import LoupeONNX
import LoupeTensor

/// ONNX Squeeze: removes extent-1 axes (the listed ones, or all when none are listed); storage shared.
///
/// Axes are an attribute before opset 13 and an optional constant input from 13 on.
public struct SqueezeOperator: AxesReshapingOperator {
    public static let opType = "Squeeze"
    let node: Node
    let axes: AttributeOrInputInts

    func outputShape(_ shape: [Int], _ requested: [Int]?) throws -> [Int] {
        guard let requested else { return shape.filter { $0 != 1 } }
        let axes = Set(try node.axes(requested, rank: shape.count))
        for a in axes where shape[a] != 1 {
            throw node.error("cannot squeeze axis \(a) of extent \(shape[a]) in shape \(shape)")
        }
        return shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }
}
