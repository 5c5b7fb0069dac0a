import LoupeONNX
import LoupeTensor

/// ONNX Concat: joins tensors along `axis` (negative counts from the end).
///
/// Integer inputs give an integer output (PyTorch exports concatenate int64 shape pieces);
/// a mix of kinds is computed in floats.
public struct ConcatOperator: Operator {
    public static let opType = "Concat"
    let node: Node
    let axis: Int

    /// Validated output shape and normalized axis for the present inputs' shapes.
    func plan(_ shapes: [[Int]]) throws -> (shape: [Int], axis: Int) {
        guard let first = shapes.first else { throw node.error("needs at least one input") }
        let a = try node.axis(axis, rank: first.count)
        var out = first
        out[a] = 0
        for shape in shapes {
            guard shape.count == first.count,
                  shape.indices.allSatisfy({ $0 == a || shape[$0] == first[$0] }) else {
                throw node.error("input shapes \(shapes) do not agree outside axis \(a)")
            }
            out[a] += shape[a]
        }
        return (out, a)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let present = inputs.compactMap { $0 }
        let (shape, _) = try plan(present.map(\.shape))
        let allInt = present.allSatisfy { $0.element == .integer }
        return [ValueFacts(shape: shape, element: allInt ? .integer : .float)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let present = inputs.compactMap { $0 }
        let (shape, a) = try plan(present.map(\.shape))
        let total = try node.count(shape)
        if present.allSatisfy(\.isInt) {
            let values = ShapeOps.joined(present.map { $0.asInt.values }, present.map { $0.shape[a] }, shape: shape, axis: a, total: total)
            return [.int(IntTensor(shape: shape, values: values))]
        }
        let scalars = ShapeOps.joined(present.map { $0.asFloat.scalars }, present.map { $0.shape[a] }, shape: shape, axis: a, total: total)
        return [.float(Tensor(shape: shape, scalars: scalars))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let shapes = context.inputs.compactMap { $0?.shape }
        let (shape, a) = try plan(shapes)
        let outer = ShapeOps.product(shape, 0..<a), inner = ShapeOps.product(shape, (a + 1)..<shape.count)
        let g = try ShapeOps.gradient(context, 0, shape)
        var start = 0
        var result = [Tensor?]()
        for (i, input) in context.inputs.enumerated() {
            guard let input else { result.append(nil); continue }
            let e = input.shape[a]
            if context.wants(i), !input.isInt {
                let n = input.shape.reduce(1, *)
                result.append(Tensor(shape: input.shape, scalars: ShapeOps.produce(g.scalars, count: n) {
                    LayoutKernels.extractBlock($0, axisExtent: shape[a], start: start, extent: e, outer: outer, inner: inner, into: $1)
                }))
            } else {
                result.append(nil)
            }
            start += e
        }
        return result
    }
}

extension ConcatOperator {
    public init(node: Node, opset: Int) throws {
        guard node.attributes["axis"] != nil || opset < 4 else { throw node.error("missing required attribute 'axis'") }
        self.init(node: node, axis: try node.int("axis", default: 1))
    }
}
