import LoupeONNX
import LoupeTensor

/// Exp: `exp(x)`. Gradient `y` from the output.
public struct ExpOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Exp"
    let node: Node
    var function: UnaryFunction { .exp }
    public var backwardNeeds: BackwardNeeds { .outputs }

    /// The vector-Jacobian product: `g y` from the output.
    @inline(__always) func gradient(_ g: Float, _ y: Float) -> Float { g * y }
}
