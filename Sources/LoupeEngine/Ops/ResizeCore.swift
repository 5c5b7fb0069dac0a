import LoupeONNX
import LoupeTensor

/// The resampling shared by Resize and Upsample: output shape from scales or sizes, nearest
/// (any axes) or linear (bilinear on the last two axes), and the transposed pass.
struct ResizeCore: Sendable {
    enum Mode: Sendable { case nearest, linear }

    let node: Node
    let mode: Mode
    let coordinate: ResizeCoordinateMode
    /// nil means the legacy Upsample rule: floor when enlarging an axis, ceil when shrinking.
    let nearest: ResizeNearestMode?
    /// Axes that scales/sizes refer to (opset 18 `axes`), nil for all.
    let axes: [Int]?

    /// Output shape and the scale used for coordinates on each axis.
    struct Plan: Equatable {
        var input: [Int]
        var output: [Int]
        var scales: [Float]
    }

    /// The plan from scales (output = floor(input × scale)) or sizes (scale = output / input).
    func plan(_ shape: [Int], scales: [Float]?, sizes: [Int]?) throws -> Plan {
        let rank = shape.count
        let axisList = try node.axes(axes ?? Array(0..<rank), rank: rank)
        var result = Plan(input: shape, output: shape, scales: shape.map { _ in 1 })
        if let sizes, !sizes.isEmpty {
            guard scales == nil || scales?.isEmpty == true else { throw node.error("only one of scales and sizes may be given") }
            guard sizes.count == axisList.count else { throw node.error("sizes has \(sizes.count) values for \(axisList.count) axes") }
            for (i, a) in axisList.enumerated() {
                guard sizes[i] >= 0 else { throw node.error("negative size \(sizes[i])") }
                result.output[a] = sizes[i]
                result.scales[a] = shape[a] > 0 ? Float(sizes[i]) / Float(shape[a]) : 1
            }
        } else if let scales, !scales.isEmpty {
            guard scales.count == axisList.count else { throw node.error("scales has \(scales.count) values for \(axisList.count) axes") }
            for (i, a) in axisList.enumerated() {
                guard scales[i] > 0, scales[i].isFinite else { throw node.error("scale \(scales[i]) must be positive") }
                result.scales[a] = scales[i]
                result.output[a] = Tensor.clampedInt((Float(shape[a]) * scales[i]).rounded(.down))
            }
        } else {
            throw node.error("needs scales or sizes")
        }
        _ = try node.count(result.output)
        if mode == .linear {
            guard rank >= 2 else { throw node.error("linear mode needs a rank of at least 2, got \(rank)") }
            for a in 0..<(rank - 2) where result.output[a] != shape[a] {
                throw node.error("linear mode resizes only the last two axes, but axis \(a) changes \(shape[a]) → \(result.output[a])")
            }
        }
        return result
    }

    func nearestMaps(_ p: Plan) -> [[Int]] {
        p.input.indices.map { a in
            let rule = nearest ?? (p.scales[a] < 1 ? .ceil : .floor)
            return ResizeKernels.nearestIndices(inLength: p.input[a], outLength: p.output[a], scale: p.scales[a],
                                                coordinate: coordinate, nearest: rule)
        }
    }

    func linearWeights(_ p: Plan) -> (rows: LinearAxisWeights, columns: LinearAxisWeights) {
        let h = p.input.count - 2, w = p.input.count - 1
        return (ResizeKernels.linearWeights(inLength: p.input[h], outLength: p.output[h], scale: p.scales[h], coordinate: coordinate),
                ResizeKernels.linearWeights(inLength: p.input[w], outLength: p.output[w], scale: p.scales[w], coordinate: coordinate))
    }

    func forward(_ x: Tensor, _ p: Plan) -> Tensor {
        let n = p.output.reduce(1, *)
        if n == 0 || x.count == 0 { return Tensor(shape: p.output) }
        switch mode {
        case .nearest:
            let maps = nearestMaps(p)
            return Tensor(shape: p.output, scalars: ShapeOps.produce(x.scalars, count: n) {
                ResizeKernels.nearest($0, shape: x.shape, indices: maps, into: $1)
            })
        case .linear:
            let (rows, columns) = linearWeights(p)
            let planes = ShapeOps.product(x.shape, 0..<(x.rank - 2))
            return Tensor(shape: p.output, scalars: ShapeOps.produce(x.scalars, count: n) {
                ResizeKernels.bilinear($0, planes: planes, inHeight: x.shape[x.rank - 2], inWidth: x.shape[x.rank - 1],
                                       rows: rows, columns: columns, into: $1)
            })
        }
    }

    func backward(_ g: Tensor, _ p: Plan) -> Tensor {
        let n = p.input.reduce(1, *)
        if n == 0 || g.count == 0 { return Tensor(shape: p.input) }
        let rank = p.input.count
        switch mode {
        case .nearest:
            let maps = nearestMaps(p)
            return Tensor(shape: p.input, scalars: ShapeOps.produce(g.scalars, count: n) {
                ResizeKernels.nearestBackward($0, shape: p.input, indices: maps, into: $1)
            })
        case .linear:
            let (rows, columns) = linearWeights(p)
            let planes = ShapeOps.product(p.input, 0..<(rank - 2))
            return Tensor(shape: p.input, scalars: ShapeOps.produce(g.scalars, count: n) {
                ResizeKernels.bilinearBackward($0, planes: planes, inHeight: p.input[rank - 2], inWidth: p.input[rank - 1],
                                               rows: rows, columns: columns, into: $1)
            })
        }
    }
}

/// Resize and Upsample: a member builds its `core` and says where scales and sizes come from in `plan`;
/// forward and backward come from here.
protocol ResamplingOperator: Operator {
    var core: ResizeCore { get }
    /// The resampling plan for an input shape, from the node's inputs or attributes.
    func plan(_ inputs: [TensorValue?], shape: [Int]) throws -> ResizeCore.Plan
}

extension ResamplingOperator {
    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try core.node.float(inputs, 0, "X")
        return [.float(core.forward(x, try plan(inputs, shape: x.shape)))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.dataGradient(context) { x in
            let p = try plan(context.inputs, shape: x.shape)
            return core.backward(try ShapeOps.gradient(context, 0, p.output), p)
        }
    }
}
