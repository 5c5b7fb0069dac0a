import LoupeONNX
import LoupeTensor

/// ONNX Flatten: collapses the dimensions before `axis` and those from `axis` on into a matrix.
public struct FlattenOperator: ReshapedGradientOperator {
    public static let opType = "Flatten"
    let node: Node
    let axis: Int

    func outputShape(_ shape: [Int]) throws -> [Int] {
        let rank = shape.count
        guard axis >= -rank && axis <= rank else { throw node.error("axis \(axis) is out of range for rank \(rank)") }
        let a = axis < 0 ? axis + rank : axis
        return [ShapeOps.product(shape, 0..<a), ShapeOps.product(shape, a..<rank)]
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        return [ShapeOps.reshaped(x, try outputShape(x.shape))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        return [ShapeOps.reshaped(x, try outputShape(x.shape))]
    }
}

extension FlattenOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try node.int("axis", default: 1))
    }
}
