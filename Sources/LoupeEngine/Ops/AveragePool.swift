import LoupeONNX
import LoupeTensor

/// ONNX `AveragePool` over 2-D (or 1-D) windows, with `count_include_pad`, `ceil_mode` and `auto_pad`.
///
/// With `count_include_pad`, the divisor counts window taps inside the padded input (a
/// `ceil_mode` window hanging past the trailing pad counts only up to it), otherwise the taps
/// inside the input.
public struct AveragePoolOperator: WindowPoolingOperator {
    public static let opType = "AveragePool"
    let node: Node
    let window: PoolingWindow
    let includePad: Bool

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        try pool(inputs) { loops, x, y in loops.averageForward(x, includePad: includePad, output: y) }
    }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try poolGradient(context) { loops, _, dy, dx in loops.averageBackward(gradOutput: dy, includePad: includePad, gradInput: dx) }
    }
}

extension AveragePoolOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, window: try PoolingWindow(node: node),
                  includePad: try node.int("count_include_pad", default: 0) != 0)
    }
}
