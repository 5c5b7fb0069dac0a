import Foundation
import LoupeONNX
import LoupeTensor

/// Erf: the Gauss error function. Gradient `2 / sqrt(pi) * exp(-x^2)`.
public struct ErfOperator: UnaryKernelOperator, AttributeFreeOperator {
    public static let opType = "Erf"
    let node: Node
    var function: UnaryFunction { .erf }

    /// The vector-Jacobian product: `g 2 / sqrt(pi) exp(-x^2)`.
    @inline(__always) func gradient(_ g: Float, _ x: Float) -> Float { g * 1.128_379_2 * fastExp(-x * x) }
}
