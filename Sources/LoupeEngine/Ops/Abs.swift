import LoupeONNX
import LoupeTensor

/// Abs: `|x|`; integers exactly. Gradient `sign(x)` with `sign(0) = 0`.
public struct AbsOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Abs"
    let node: Node
    var function: UnaryFunction { .abs }
    var integerFunction: ((Int) -> Int)? { { $0 == Int.min ? $0 : Swift.abs($0) } }

    /// The vector-Jacobian product: sign(x) g, with sign(0) = 0.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { x > 0 ? g : (x < 0 ? -g : 0) }
}
