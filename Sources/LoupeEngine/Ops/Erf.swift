import Foundation
import LoupeONNX
import LoupeTensor

/// Erf: the Gauss error function. Gradient `2 / sqrt(pi) * exp(-x^2)`.
public struct ErfOperator: UnaryElementwiseOperator {
    public static let opType = "Erf"
    let node: Node
    var function: UnaryFunction { .erf }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, ErfGradient())
    }
}

/// The Erf vector-Jacobian product: `g 2 / sqrt(pi) exp(-x^2)`.
struct ErfGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { g * 1.128_379_2 * Foundation.exp(-x * x) }
}
