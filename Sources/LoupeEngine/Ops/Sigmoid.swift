import LoupeONNX
import LoupeTensor

/// Sigmoid: `1 / (1 + exp(-x))`. Gradient `y (1 - y)` from the output.
public struct SigmoidOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Sigmoid"
    let node: Node
    var function: UnaryFunction { .sigmoid }
    public var backwardNeeds: BackwardNeeds { .outputs }

    /// The vector-Jacobian product: `g y (1 - y)` from the output.
    @inline(__always) func gradient(_ g: Float, _ y: Float) -> Float { g * y * (1 - y) }
}
