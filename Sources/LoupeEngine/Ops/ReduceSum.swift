import LoupeONNX
import LoupeTensor

/// ONNX ReduceSum: the sum over the listed axes (all when none; identity when none and
/// `noop_with_empty_axes=1`), keeping reduced axes as extent 1 when `keepdims=1`.
///
/// Axes are an attribute before opset 13 and an optional constant input from 13 on.
public struct ReduceSumOperator: ReduceOperator {
    public static let opType = "ReduceSum"
    let core: ReduceCore

    public init(node: Node, opset: Int) throws {
        core = try ReduceCore(node: node, opset: opset, kind: .sum, axesInputFromOpset: 13)
    }
}
