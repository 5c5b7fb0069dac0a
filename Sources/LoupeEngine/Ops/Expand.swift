import LoupeONNX
import LoupeTensor

/// ONNX Expand: broadcasts the input to `shape` (bidirectionally, as numpy does: extents of 1 in
/// `shape` keep the input's extent).
///
/// The target shape must be known when planning (it usually comes from `Shape` of another value,
/// which the plan knows for each batch size). The gradient sums over the broadcast axes.
public struct ExpandOperator: AttributeFreeOperator {
    public static let opType = "Expand"
    let node: Node

    /// The broadcast of the input shape and the requested shape.
    func outputShape(_ input: [Int], _ requested: [Int]) throws -> [Int] {
        guard requested.allSatisfy({ $0 >= 0 }) else { throw node.error("shape \(requested) has a negative extent") }
        do {
            return try broadcastShape(input, requested)
        } catch {
            throw node.error("cannot expand \(input) to \(requested)")
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        guard let requested = try node.constantInts(inputs, 1, "shape") else { throw node.error("missing required input 1 (shape)") }
        return [ValueFacts(shape: try outputShape(x.shape, requested), element: x.element)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        let shape = try outputShape(x.shape, try node.value(inputs, 1, "shape").asInt.values)
        _ = try node.count(shape)
        switch x {
        case .float(let t):
            return [.float(try broadcastExpand(t, to: shape))]
        case .int(let t):
            let offsets = broadcastSourceOffsets(t.shape, to: shape)
            return [.int(IntTensor(shape: shape, values: offsets.map { t.values[$0] }))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The output gradient summed over every axis the input was broadcast along.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wantsInputGradient.first == true, let x = context.inputs.first ?? nil, !x.isInt,
              context.inputs.count > 1, let requested = context.inputs[1] else {
            return context.inputs.map { _ in nil }
        }
        let g = try ShapeOps.gradient(context, 0, try outputShape(x.shape, requested.asInt.values))
        return [reduceGradient(g, toShape: x.shape), nil]
    }
}
