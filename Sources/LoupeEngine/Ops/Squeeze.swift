import LoupeONNX
import LoupeTensor

/// ONNX Squeeze: removes extent-1 axes (the listed ones, or all when none are listed); storage shared.
///
/// Axes are an attribute before opset 13 and an optional constant input from 13 on.
public struct SqueezeOperator: Operator {
    public static let opType = "Squeeze"
    let node: Node
    let attributeAxes: [Int]?
    let axesFromInput: Bool

    public init(node: Node, opset: Int) throws {
        self.node = node
        axesFromInput = opset >= 13
        attributeAxes = axesFromInput ? nil : try node.ints("axes")
    }

    func outputShape(_ shape: [Int], _ requested: [Int]?) throws -> [Int] {
        guard let requested else { return shape.filter { $0 != 1 } }
        let axes = Set(try node.axes(requested, rank: shape.count))
        for a in axes where shape[a] != 1 {
            throw node.error("cannot squeeze axis \(a) of extent \(shape[a]) in shape \(shape)")
        }
        return shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        let axes = axesFromInput ? try node.constantInts(inputs, 1, "axes") : attributeAxes
        return [ShapeOps.reshaped(x, try outputShape(x.shape, axes))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        let axes = axesFromInput ? node.optional(inputs, 1)?.asInt.values : attributeAxes
        return [ShapeOps.reshaped(x, try outputShape(x.shape, axes))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.reshapedGradient(context)
    }
}
