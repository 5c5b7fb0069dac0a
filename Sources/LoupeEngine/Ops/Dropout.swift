import LoupeONNX
import LoupeTensor

/// ONNX Dropout in inference mode: the input unchanged, and an optional all-ones mask.
///
/// A `training_mode` input that is a constant true is refused: Loupe only runs inference.
public struct DropoutOperator: ReshapedGradientOperator {
    public static let opType = "Dropout"
    let node: Node
    /// Opset 10 and later emit a boolean mask (integers here); earlier ones a mask of the input type.
    let integerMask: Bool

    /// The outputs asked for: the data, and the mask when there is a second output.
    var outputCount: Int { max(1, node.outputs.count) }

    func checkTrainingMode(_ value: TensorValue?) throws {
        if let value, value.asInt.values.contains(where: { $0 != 0 }) {
            throw node.error("training_mode is true; Loupe runs inference only (export the model in eval mode)")
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        try checkTrainingMode(node.optional(inputs, 2)?.constant)
        var result = [x]
        if outputCount > 1 {
            result.append(ValueFacts(shape: x.shape, element: integerMask ? .integer : .float))
        }
        return result
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        try checkTrainingMode(node.optional(inputs, 2))
        var result = [x]
        if outputCount > 1 {
            result.append(integerMask ? .int(IntTensor(shape: x.shape, values: [Int](repeating: 1, count: x.shape.reduce(1, *))))
                          : .float(Tensor(shape: x.shape, repeating: 1)))
        }
        return result
    }
}

extension DropoutOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, integerMask: opset >= 10)
    }
}
