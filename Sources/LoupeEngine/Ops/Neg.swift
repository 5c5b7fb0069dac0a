import LoupeONNX
import LoupeTensor

/// Neg: `-x`; integers are negated exactly (wrapping at Int.min).
public struct NegOperator: UnaryElementwiseOperator {
    public static let opType = "Neg"
    let node: Node
    var function: UnaryFunction { .neg }
    static var acceptsIntegers: Bool { true }

    func integerForward(_ x: IntTensor) -> IntTensor? {
        IntTensor(shape: x.shape, values: x.values.map { 0 &- $0 })
    }

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try unaryInferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try unaryForward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, NegGradient())
    }
}

/// The Neg vector-Jacobian product: `-g`.
struct NegGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ _: Float) -> Float { -g }
}
