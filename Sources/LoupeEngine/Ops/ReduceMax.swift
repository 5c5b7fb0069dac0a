import LoupeONNX
import LoupeTensor

/// ONNX ReduceMax: the maximum over the listed axes (all when none; identity when none and
/// `noop_with_empty_axes=1`), keeping reduced axes as extent 1 when `keepdims=1`.
///
/// The backward pass routes each gradient to the first maximum (row-major order).
/// Axes are an attribute before opset 18 and an optional constant input from 18 on.
public struct ReduceMaxOperator: ReduceOperator {
    public static let opType = "ReduceMax"
    let core: ReduceCore

    public init(node: Node, opset: Int) throws {
        core = try ReduceCore(node: node, opset: opset, kind: .max, axesInputFromOpset: 18)
    }
}
