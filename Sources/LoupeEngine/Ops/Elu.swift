import Foundation
import LoupeONNX
import LoupeTensor

/// Elu: `x > 0 ? x : alpha (exp(x) - 1)` (alpha default 1). Gradient 1 for x > 0, `alpha exp(x)` otherwise.
public struct EluOperator: UnaryKernelOperator {
    public static let opType = "Elu"
    let node: Node
    let alpha: Float
    var function: UnaryFunction { .elu(alpha: alpha) }

    /// The vector-Jacobian product: g for x > 0, `g alpha exp(x)` otherwise.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { x > 0 ? g : g * alpha * Foundation.exp(x) }
}

extension EluOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, alpha: try node.float("alpha", default: 1))
    }
}
