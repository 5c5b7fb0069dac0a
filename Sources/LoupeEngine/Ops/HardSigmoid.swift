import LoupeONNX
import LoupeTensor

/// HardSigmoid: `max(0, min(1, alpha x + beta))` (alpha 0.2, beta 0.5). Gradient alpha strictly inside (0, 1).
public struct HardSigmoidOperator: UnaryKernelOperator {
    public static let opType = "HardSigmoid"
    let node: Node
    let alpha: Float
    let beta: Float
    var function: UnaryFunction { .hardSigmoid(alpha: alpha, beta: beta) }

    /// The vector-Jacobian product: `alpha g` strictly inside the linear region, 0 outside.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float {
        let z = alpha * x + beta
        return z > 0 && z < 1 ? g * alpha : 0
    }
}

extension HardSigmoidOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, alpha: try node.float("alpha", default: 0.2), beta: try node.float("beta", default: 0.5))
    }
}
