import LoupeONNX
import LoupeTensor

/// HardSwish: `x * max(0, min(1, x / 6 + 0.5))`. Gradient as PyTorch: 0 below -3, `x / 3 + 0.5` up to 3, 1 above.
public struct HardSwishOperator: UnaryElementwiseOperator {
    public static let opType = "HardSwish"
    let node: Node
    var function: UnaryFunction { .hardSwish }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, HardSwishGradient())
    }
}

/// The HardSwish vector-Jacobian product: 0 below -3, `g (x / 3 + 0.5)` up to 3, g above (PyTorch).
struct HardSwishGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x < -3 ? 0 : (x <= 3 ? g * (x / 3 + 0.5) : g) }
}
