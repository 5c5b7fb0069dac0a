import LoupeONNX
import LoupeTensor

/// LeakyRelu: `x > 0 ? x : alpha x` (alpha default 0.01). Gradient 1 for x > 0, alpha otherwise.
public struct LeakyReluOperator: UnaryKernelOperator {
    public static let opType = "LeakyRelu"
    let node: Node
    let alpha: Float
    var function: UnaryFunction { .leakyRelu(alpha: alpha) }
    var gradient: LeakyReluGradient { LeakyReluGradient(alpha: alpha) }

    public init(node: Node, opset: Int) throws {
        self.node = node
        alpha = try node.float("alpha", default: 0.01)
    }
}

/// The LeakyRelu vector-Jacobian product: g for x > 0, `alpha g` otherwise.
struct LeakyReluGradient: BinaryKernel {
    let alpha: Float
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? g : alpha * g }
}
