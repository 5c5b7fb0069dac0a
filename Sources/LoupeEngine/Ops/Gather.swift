import LoupeONNX
import LoupeTensor

/// ONNX Gather: picks slices of `data` along `axis` at integer `indices` (negative count from the end).
///
/// Output shape is `data[..<axis] + indices.shape + data[(axis+1)...]`; float or integer data.
/// The gradient scatter-adds into `data` (repeated indices accumulate).
public struct GatherOperator: Operator {
    public static let opType = "Gather"
    let node: Node
    let axis: Int

    func outputShape(_ data: [Int], _ indices: [Int]) throws -> (shape: [Int], axis: Int) {
        let a = try node.axis(axis, rank: data.count)
        return (Array(data[..<a]) + indices + Array(data[(a + 1)...]), a)
    }

    /// Indices normalized into `[0, dim)`, or an error for out-of-range ones.
    func normalized(_ indices: [Int], dim: Int) throws -> [Int] {
        try indices.map { i in
            guard i >= -dim && i < dim else { throw node.error("index \(i) is out of range for extent \(dim)") }
            return i < 0 ? i + dim : i
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let data = try node.facts(inputs, 0, "data")
        let indices = try node.facts(inputs, 1, "indices")
        guard indices.element == .integer else { throw node.error("indices must be integers") }
        let (shape, a) = try outputShape(data.shape, indices.shape)
        if let constant = indices.constant { _ = try normalized(constant.asInt.values, dim: data.shape[a]) }
        return [ValueFacts(shape: shape, element: data.element)]
    }

    static func gather<T>(_ source: [T], outer: Int, dim: Int, inner: Int, indices: [Int]) -> [T] {
        ShapeOps.produce(source, count: outer * indices.count * inner) { src, dst in
            guard let s = src.baseAddress, let d = dst.baseAddress, inner > 0 else { return }
            var out = d
            for o in 0..<outer {
                let base = s + o * dim * inner
                for i in indices {
                    out.update(from: base + i * inner, count: inner)
                    out += inner
                }
            }
        }
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let data = try node.value(inputs, 0, "data")
        let indexValue = try node.value(inputs, 1, "indices")
        guard indexValue.isInt else { throw node.error("indices must be integers") }
        let (shape, a) = try outputShape(data.shape, indexValue.shape)
        let dim = data.shape[a]
        let indices = try normalized(indexValue.asInt.values, dim: dim)
        let outer = ShapeOps.product(data.shape, 0..<a), inner = ShapeOps.product(data.shape, (a + 1)..<data.shape.count)
        switch data {
        case .float(let t):
            return [.float(Tensor(shape: shape, scalars: Self.gather(t.scalars, outer: outer, dim: dim, inner: inner, indices: indices)))]
        case .int(let t):
            return [.int(IntTensor(shape: shape, values: Self.gather(t.values, outer: outer, dim: dim, inner: inner, indices: indices)))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        var result = context.noGradients
        guard let data = context.wantedFloatInput(0),
              context.inputs.count > 1, let indexValue = context.inputs[1] else { return result }
        let (shape, a) = try outputShape(data.shape, indexValue.shape)
        let dim = data.shape[a]
        let indices = try normalized(indexValue.asInt.values, dim: dim)
        let outer = ShapeOps.product(data.shape, 0..<a), inner = ShapeOps.product(data.shape, (a + 1)..<data.shape.count)
        let g = try ShapeOps.gradient(context, 0, shape)
        var grad = Tensor(shape: data.shape)
        g.scalars.withUnsafeBufferPointer { src in
            grad.scalars.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                var from = s
                for o in 0..<outer {
                    let base = d + o * dim * inner
                    for i in indices {
                        let to = base + i * inner
                        for k in 0..<inner { to[k] += from[k] }
                        from += inner
                    }
                }
            }
        }
        result[0] = grad
        return result
    }
}

extension GatherOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try node.int("axis", default: 0))
    }
}
