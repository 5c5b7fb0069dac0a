import LoupeONNX
import LoupeTensor

/// ONNX ReduceMean: the mean over the listed axes (all when none; identity when none and
/// `noop_with_empty_axes=1`), keeping reduced axes as extent 1 when `keepdims=1`.
///
/// Axes are an attribute before opset 18 and an optional constant input from 18 on.
public struct ReduceMeanOperator: ReduceOperator {
    public static let opType = "ReduceMean"
    let core: ReduceCore

    public init(node: Node, opset: Int) throws {
        core = try ReduceCore(node: node, opset: opset, kind: .mean, axesInputFromOpset: 18)
    }
}
