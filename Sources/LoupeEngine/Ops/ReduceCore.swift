import LoupeONNX
import LoupeTensor

/// What ReduceMean, ReduceSum and ReduceMax share: axes (attribute, or constant input from a
/// given opset), `keepdims` and `noop_with_empty_axes`.
struct ReduceCore: Sendable {
    enum Kind: Sendable { case mean, sum, max }

    let node: Node
    let kind: Kind
    let keepDims: Bool
    let noopWithEmptyAxes: Bool
    let axes: AttributeOrInputInts

    init(node: Node, opset: Int, kind: Kind, axesInputFromOpset: Int) throws {
        self.node = node
        self.kind = kind
        keepDims = try node.int("keepdims", default: 1) != 0
        noopWithEmptyAxes = try node.int("noop_with_empty_axes", default: 0) != 0
        axes = try AttributeOrInputInts(node: node, opset: opset, name: "axes", input: 1, fromOpset: axesInputFromOpset)
    }

    /// Which axes are reduced, or nil for the identity (empty axes with noop_with_empty_axes).
    func reducedMask(_ shape: [Int], axes: [Int]?) throws -> [Bool]? {
        guard let axes, !axes.isEmpty else {
            return noopWithEmptyAxes ? nil : shape.map { _ in true }
        }
        let normalized = Set(try node.axes(axes, rank: shape.count))
        return shape.indices.map { normalized.contains($0) }
    }

    func outputShape(_ shape: [Int], _ mask: [Bool]) -> [Int] {
        keepDims ? ReductionKernels.keptShape(shape, reduced: mask) : shape.indices.filter { !mask[$0] }.map { shape[$0] }
    }

    /// The factor applied to sums: 1 / (reduced element count) for the mean, 1 for the sum.
    func scale(_ shape: [Int], _ mask: [Bool]) -> Float {
        let reducedCount = zip(shape, mask).reduce(1) { $0 * ($1.1 ? $1.0 : 1) }
        return kind == .mean ? 1 / Float(max(1, reducedCount)) : 1
    }

    /// The maxima over the reduced axes into `values`, returning the flat index of each (the first maximum).
    func maxima(_ src: UnsafeBufferPointer<Float>, shape: [Int], _ mask: [Bool],
                into values: UnsafeMutableBufferPointer<Float>) -> [Int] {
        var argmax = [Int](repeating: 0, count: values.count)
        argmax.withUnsafeMutableBufferPointer { ReductionKernels.max(src, shape: shape, reduced: mask, into: values, argmax: $0) }
        return argmax
    }

    func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        guard let mask = try reducedMask(x.shape, axes: try axes.facts(inputs, of: node)) else { return [x] }
        return [ValueFacts(shape: outputShape(x.shape, mask), element: x.element)]
    }

    func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let value = try node.value(inputs, 0, "data")
        guard let mask = try reducedMask(value.shape, axes: axes.values(inputs, of: node)) else { return [value] }
        let x = value.asFloat
        let outShape = outputShape(x.shape, mask)
        let n = outShape.reduce(1, *)
        var out = [Float](repeating: 0, count: n)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                switch kind {
                case .sum, .mean:
                    ReductionKernels.sum(src, shape: x.shape, reduced: mask, scale: scale(x.shape, mask), into: dst)
                case .max:
                    _ = maxima(src, shape: x.shape, mask, into: dst)
                }
            }
        }
        let result = Tensor(shape: outShape, scalars: out)
        return [value.isInt ? .int(TensorValue.float(result).asInt) : .float(result)]
    }

    func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.dataGradient(context) { value in
            let x = value.asFloat
            guard let mask = try reducedMask(x.shape, axes: axes.values(context.inputs, of: node)) else {
                return try ShapeOps.gradient(context, 0, x.shape).reshaped(x.shape)
            }
            let g = try ShapeOps.gradient(context, 0, outputShape(x.shape, mask))
            var grad = [Float](repeating: 0, count: x.count)
            g.scalars.withUnsafeBufferPointer { gp in
                grad.withUnsafeMutableBufferPointer { dst in
                    switch kind {
                    case .sum, .mean:
                        ReductionKernels.broadcastBack(gp, shape: x.shape, reduced: mask, scale: scale(x.shape, mask), into: dst)
                    case .max:
                        var values = [Float](repeating: 0, count: g.count)
                        let argmax = x.scalars.withUnsafeBufferPointer { src in
                            values.withUnsafeMutableBufferPointer { maxima(src, shape: x.shape, mask, into: $0) }
                        }
                        argmax.withUnsafeBufferPointer { ReductionKernels.scatterToArgmax(gp, argmax: $0, into: dst) }
                    }
                }
            }
            return Tensor(shape: x.shape, scalars: grad)
        }
    }
}

/// ReduceMean, ReduceSum and ReduceMax: a member builds its `core`; facts, forward and backward come from it.
protocol ReduceOperator: Operator {
    var core: ReduceCore { get }
}

extension ReduceOperator {
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] { try core.inferFacts(inputs) }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try core.forward(inputs) }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] { try core.backward(context) }
}
