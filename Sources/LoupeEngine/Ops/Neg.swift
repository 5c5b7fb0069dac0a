import LoupeONNX
import LoupeTensor

/// Neg: `-x`; integers are negated exactly (wrapping at Int.min).
public struct NegOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Neg"
    let node: Node
    var function: UnaryFunction { .neg }
    var integerFunction: ((Int) -> Int)? { { 0 &- $0 } }

    /// The vector-Jacobian product: `-g`.
    @inline(__always) func gradient(_ g: Float, _ _: Float) -> Float { -g }
}
