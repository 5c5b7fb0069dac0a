import LoupeONNX
import LoupeTensor

/// ONNX Split: cuts a tensor into consecutive pieces along `axis`.
///
/// Piece sizes come from the `split` attribute (opset < 13) or optional constant input (13+),
/// from `num_outputs` (18+, last piece smaller when uneven), or else equal parts per output.
public struct SplitOperator: Operator {
    public static let opType = "Split"
    let node: Node
    let axis: Int
    /// The piece sizes: the `split` attribute before opset 13, input 1 from 13 on.
    let splitSizes: AttributeOrInputInts
    let numOutputs: Int?

    /// One piece per output.
    var outputCount: Int { node.outputs.count }

    /// Normalized axis and the extent of each piece.
    func pieces(_ shape: [Int], _ split: [Int]?) throws -> (axis: Int, sizes: [Int]) {
        let a = try node.axis(axis, rank: shape.count)
        let dim = shape[a]
        if let split {
            guard split.count == outputCount, split.allSatisfy({ $0 >= 0 }), split.reduce(0, +) == dim else {
                throw node.error("split \(split) does not divide extent \(dim) into \(outputCount) outputs")
            }
            return (a, split)
        }
        if numOutputs != nil {
            let chunk = (dim + outputCount - 1) / outputCount
            let last = dim - chunk * (outputCount - 1)
            guard last >= 0 else { throw node.error("cannot split extent \(dim) into \(outputCount) chunks") }
            return (a, [Int](repeating: chunk, count: outputCount - 1) + [last])
        }
        guard dim % outputCount == 0 else {
            throw node.error("extent \(dim) does not split evenly into \(outputCount) outputs")
        }
        return (a, [Int](repeating: dim / outputCount, count: outputCount))
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        let (a, sizes) = try pieces(x.shape, try splitSizes.facts(inputs, of: node))
        return sizes.map { size in
            var shape = x.shape
            shape[a] = size
            return ValueFacts(shape: shape, element: x.element)
        }
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        let (a, sizes) = try pieces(x.shape, splitSizes.values(inputs, of: node))
        let outer = ShapeOps.product(x.shape, 0..<a), inner = ShapeOps.product(x.shape, (a + 1)..<x.shape.count)
        var start = 0
        var result = [TensorValue]()
        for size in sizes {
            var shape = x.shape
            shape[a] = size
            let n = outer * size * inner
            switch x {
            case .float(let t):
                result.append(.float(Tensor(shape: shape, scalars: ShapeOps.produce(t.scalars, count: n) {
                    LayoutKernels.extractBlock($0, axisExtent: x.shape[a], start: start, extent: size, outer: outer, inner: inner, into: $1)
                })))
            case .int(let t):
                result.append(.int(IntTensor(shape: shape, values: ShapeOps.produce(t.values, count: n) {
                    LayoutKernels.extractBlock($0, axisExtent: x.shape[a], start: start, extent: size, outer: outer, inner: inner, into: $1)
                })))
            }
            start += size
        }
        return result
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.dataGradient(context) { x in
            let (a, sizes) = try pieces(x.shape, splitSizes.values(context.inputs, of: node))
            let outer = ShapeOps.product(x.shape, 0..<a), inner = ShapeOps.product(x.shape, (a + 1)..<x.shape.count)
            for (k, size) in sizes.enumerated() where k < context.outputGradients.count {
                if let g = context.outputGradients[k], g.count != outer * size * inner {
                    throw LoupeError(.computation, "gradient of shape \(g.shape) does not match split output \(k)")
                }
            }
            var grad = Tensor(shape: x.shape)
            var start = 0
            grad.scalars.withUnsafeMutableBufferPointer { dst in
                for (k, size) in sizes.enumerated() {
                    if k < context.outputGradients.count, let g = context.outputGradients[k] {
                        g.scalars.withUnsafeBufferPointer {
                            LayoutKernels.insertBlock($0, axisExtent: x.shape[a], start: start, extent: size, outer: outer, inner: inner, into: dst)
                        }
                    }
                    start += size
                }
            }
            return grad
        }
    }
}

extension SplitOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try node.int("axis", default: 0),
                  splitSizes: try AttributeOrInputInts(node: node, opset: opset, name: "split", input: 1, fromOpset: 13),
                  numOutputs: opset >= 18 ? try node.ints("num_outputs")?.first : nil)
        guard outputCount > 0 else { throw node.error("has no outputs") }
        if let numOutputs, numOutputs != outputCount {
            throw node.error("num_outputs \(numOutputs) does not match the \(outputCount) outputs")
        }
    }
}
