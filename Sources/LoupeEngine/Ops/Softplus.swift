import LoupeONNX
import LoupeTensor

/// Softplus: `log(1 + exp(x))`. Gradient `sigmoid(x)`.
public struct SoftplusOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Softplus"
    let node: Node
    var function: UnaryFunction { .softplus }

    /// The vector-Jacobian product: `g sigmoid(x)`.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { g * sigmoidScalar(x) }
}
