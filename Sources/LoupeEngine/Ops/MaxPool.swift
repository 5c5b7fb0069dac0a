import LoupeONNX
import LoupeTensor

/// ONNX `MaxPool` over 2-D (or 1-D) windows; the gradient goes to the first maximum of each window.
///
/// `storage_order` is ignored (it only affects the Indices output, which is refused).
public struct MaxPoolOperator: WindowPoolingOperator {
    public static let opType = "MaxPool"
    let node: Node
    let window: PoolingWindow

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        try pool(inputs) { loops, x, y in loops.maxForward(x, output: y) }
    }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try poolGradient(context) { loops, x, dy, dx in loops.maxBackward(x, gradOutput: dy, gradInput: dx) }
    }
}

extension MaxPoolOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, window: try PoolingWindow(node: node))
        if node.outputs.count > 1 && !node.outputs[1].isEmpty {
            throw node.error("the optional Indices output is not supported")
        }
    }
}
