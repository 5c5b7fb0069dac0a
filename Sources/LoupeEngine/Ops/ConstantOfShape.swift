import LoupeONNX
import LoupeTensor

/// ONNX ConstantOfShape: a tensor of the shape given by the input's values, filled with the
/// one-element `value` attribute (float 0 when absent).
///
/// The shape input must be known when planning (exports compute it from `Shape`, which the
/// plan knows for each batch size), so the output is a plan-time constant. No gradient.
public struct ConstantOfShapeOperator: Operator {
    public static let opType = "ConstantOfShape"
    let node: Node
    let fill: TensorValue

    /// The filled tensor for the requested extents.
    func filled(_ extents: [Int]) throws -> TensorValue {
        guard extents.allSatisfy({ $0 >= 0 }) else { throw node.error("shape \(extents) has a negative extent") }
        let count = try node.count(extents)
        // Filled while planning, before the plan checks the shape against the budget.
        try Plan.checkFoldedBudget(count: count, bytesPerElement: 8, node: node)
        switch fill {
        case .float(let t): return .float(Tensor(shape: extents, repeating: t.scalars[0]))
        case .int(let t): return .int(IntTensor(shape: extents, values: [Int](repeating: t.values[0], count: count)))
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let shapeFacts = try node.facts(inputs, 0, "input")
        guard shapeFacts.element == .integer, shapeFacts.shape.count == 1 else {
            throw node.error("input must be a 1-D integer tensor, got shape \(shapeFacts.shape)")
        }
        guard let extents = try node.constantInts(inputs, 0, "input") else { throw node.error("missing required input 0 (input)") }
        return [ValueFacts(constant: try filled(extents))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [try filled(try node.value(inputs, 0, "input").asInt.values)]
    }

    public var backwardNeeds: BackwardNeeds { .none }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.inputs.map { _ in nil }
    }
}

extension ConstantOfShapeOperator {
    public init(node: Node, opset: Int) throws {
        let value = try node.tensor("value") ?? .float(Tensor(shape: [1], scalars: [0]))
        guard value.shape.reduce(1, *) == 1 else {
            throw node.error("attribute 'value' must hold one element, got shape \(value.shape)")
        }
        self.init(node: node, fill: value)
    }
}
