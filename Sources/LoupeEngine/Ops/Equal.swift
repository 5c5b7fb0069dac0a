import LoupeONNX
import LoupeTensor

/// ONNX Equal: elementwise `A == B` with numpy broadcasting, as a boolean (0/1 integer) tensor.
///
/// Integers compare exactly; when either side is floating point both compare as Float32.
/// The result is not differentiable (no gradient flows to either input).
public struct EqualOperator: AttributeFreeOperator {
    public static let opType = "Equal"
    let node: Node

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [ValueFacts(shape: try node.broadcastFacts(inputs).shape, element: .integer)]
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
        context.noGradients
    }
}
