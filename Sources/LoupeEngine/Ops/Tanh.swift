import LoupeONNX
import LoupeTensor

/// Tanh: hyperbolic tangent. Gradient `1 - y^2` from the output.
public struct TanhOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Tanh"
    let node: Node
    var function: UnaryFunction { .tanh }
    public var backwardNeeds: BackwardNeeds { .outputs }

    /// The vector-Jacobian product: `g (1 - y^2)` from the output.
    @inline(__always) func gradient(_ g: Float, _ y: Float) -> Float { g * (1 - y * y) }
}
