import LoupeONNX
import LoupeTensor

/// LeakyRelu: `x > 0 ? x : alpha x` (alpha default 0.01). Gradient 1 for x > 0, alpha otherwise.
public struct LeakyReluOperator: UnaryKernelOperator {
    public static let opType = "LeakyRelu"
    let node: Node
    let alpha: Float
    var function: UnaryFunction { .leakyRelu(alpha: alpha) }

    /// The vector-Jacobian product: g for x > 0, `alpha g` otherwise.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { x > 0 ? g : alpha * g }
}

extension LeakyReluOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, alpha: try node.float("alpha", default: 0.01))
    }
}
