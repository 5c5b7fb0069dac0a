import LoupeONNX
import LoupeTensor

/// ONNX Equal: elementwise `A == B` with numpy broadcasting, as a boolean (0/1 integer) tensor.
///
/// Integers compare exactly; when either side is floating point both compare as Float32.
/// The result is not differentiable (no gradient flows to either input).
public struct EqualOperator: Operator {
    public static let opType = "Equal"
    let node: Node

    public init(node: Node, opset: Int) throws {
        self.node = node
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let a = try node.facts(inputs, 0, "A")
        let b = try node.facts(inputs, 1, "B")
        let shape = try node.located { try broadcastShape(a.shape, b.shape) }
        return [ValueFacts(shape: shape, element: .integer)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try node.value(inputs, 0, "A")
        let b = try node.value(inputs, 1, "B")
        return try node.located {
            if case .int(let ia) = a, case .int(let ib) = b {
                let (shape, values) = try broadcastZip(ia.values, ia.shape, ib.values, ib.shape) { $0 == $1 ? 1 : 0 }
                return [.int(IntTensor(shape: shape, values: values))]
            }
            let fa = a.asFloat, fb = b.asFloat
            let (shape, values) = try broadcastZip(fa.scalars, fa.shape, fb.scalars, fb.shape) { $0 == $1 ? 1 : 0 }
            return [.int(IntTensor(shape: shape, values: values))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .none }

    /// A comparison has zero derivative almost everywhere: no input gradient.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.inputs.map { _ in nil }
    }
}
