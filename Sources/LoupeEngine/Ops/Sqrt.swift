import LoupeONNX
import LoupeTensor

/// Sqrt: `sqrt(x)`. Gradient `0.5 / y` from the output.
public struct SqrtOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Sqrt"
    let node: Node
    var function: UnaryFunction { .sqrt }
    public var backwardNeeds: BackwardNeeds { .outputs }

    /// The vector-Jacobian product: `g / (2 y)` from the output.
    @inline(__always) func gradient(_ g: Float, _ y: Float) -> Float { g * 0.5 / y }
}
