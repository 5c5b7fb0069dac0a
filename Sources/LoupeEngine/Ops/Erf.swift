import Foundation
import LoupeONNX
import LoupeTensor

/// Erf: the Gauss error function. Gradient `2 / sqrt(pi) * exp(-x^2)`.
public struct ErfOperator: UnaryKernelOperator {
    public static let opType = "Erf"
    let node: Node
    var function: UnaryFunction { .erf }
    var gradient: ErfGradient { ErfGradient() }

    public init(node: Node, opset: Int) throws { self.node = node }
}

/// The Erf vector-Jacobian product: `g 2 / sqrt(pi) exp(-x^2)`.
struct ErfGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * 1.128_379_2 * Foundation.exp(-x * x) }
}
