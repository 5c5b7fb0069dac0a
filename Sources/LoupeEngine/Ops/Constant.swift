import LoupeONNX
import LoupeTensor

/// ONNX Constant: a value stored in the node (`value`, `value_float(s)` or `value_int(s)`).
public struct ConstantOperator: Operator {
    public static let opType = "Constant"
    let value: TensorValue

    public init(node: Node, opset: Int) throws {
        let supported = ["value", "value_float", "value_floats", "value_int", "value_ints"]
        let present = node.attributes.keys.filter { $0.hasPrefix("value") || $0 == "sparse_value" }
        guard present.count == 1, let key = present.first else {
            throw node.error("needs exactly one value attribute, found \(present.sorted())")
        }
        guard supported.contains(key) else { throw node.error("attribute '\(key)' is not supported (numeric values only)") }
        switch key {
        case "value":
            guard let v = try node.tensor("value") else { throw node.error("missing attribute 'value'") }
            value = v
        case "value_float": value = .float(Tensor(scalar: try node.float(key, default: 0)))
        case "value_floats":
            let floats = try node.floats(key) ?? []
            value = .float(Tensor(shape: [floats.count], scalars: floats))
        case "value_int": value = .int(IntTensor(shape: [], values: [try node.int(key, default: 0)]))
        default: value = .int(IntTensor(vector: try node.ints(key) ?? []))
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [ValueFacts(constant: value)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [value]
    }

    public var backwardNeeds: BackwardNeeds { .none }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.noGradients
    }
}
