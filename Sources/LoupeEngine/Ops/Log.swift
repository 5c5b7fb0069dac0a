import LoupeONNX
import LoupeTensor

/// Log: natural logarithm. Gradient `1 / x`.
public struct LogOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Log"
    let node: Node
    var function: UnaryFunction { .log }

    /// The vector-Jacobian product: `g / x`.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { g / x }
}
