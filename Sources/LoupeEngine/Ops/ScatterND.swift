import LoupeONNX
import LoupeTensor

/// ONNX ScatterND: a copy of `data` with the slices addressed by the last axis of `indices`
/// replaced by (or, with `reduction="add"`, increased by) `updates`.
///
/// PyTorch exports slice assignment (`mask[a:b, c:d] = k`, as in Swin's shifted-window mask)
/// this way. Float or integer data. The gradient of `updates` gathers the output gradient at the
/// addressed slices; `data` gets the output gradient, with replaced slices zeroed.
public struct ScatterNDOperator: Operator {
    public static let opType = "ScatterND"
    let node: Node
    let adds: Bool

    /// Element offsets in `data` of each addressed slice, and the slice length.
    func slices(data: [Int], indicesShape: [Int], indices: [Int]) throws -> (offsets: [Int], length: Int) {
        guard let depth = indicesShape.last, depth <= data.count, !indicesShape.isEmpty else {
            throw node.error("indices of shape \(indicesShape) cannot address data of shape \(data)")
        }
        let strides = Tensor.strides(of: data)
        let length = ShapeOps.product(data, depth..<data.count)
        let count = depth == 0 ? ShapeOps.product(indicesShape, 0..<(indicesShape.count - 1)) : indices.count / depth
        var offsets = [Int]()
        offsets.reserveCapacity(count)
        for row in 0..<count {
            var offset = 0
            for axis in 0..<depth {
                var i = indices[row * depth + axis]
                if i < 0 { i += data[axis] }
                guard i >= 0 && i < data[axis] else { throw node.error("index \(indices[row * depth + axis]) is out of range for extent \(data[axis])") }
                offset += i * strides[axis]
            }
            offsets.append(offset)
        }
        return (offsets, length)
    }

    /// The shape `updates` must have.
    func updatesShape(data: [Int], indices: [Int]) -> [Int] {
        Array(indices.dropLast()) + Array(data.dropFirst(indices.last ?? 0))
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let data = try node.facts(inputs, 0, "data")
        let indices = try node.facts(inputs, 1, "indices")
        let updates = try node.facts(inputs, 2, "updates")
        guard indices.element == .integer else { throw node.error("indices must be integers") }
        guard let depth = indices.shape.last, depth <= data.shape.count else {
            throw node.error("indices of shape \(indices.shape) cannot address data of shape \(data.shape)")
        }
        guard updates.shape == updatesShape(data: data.shape, indices: indices.shape) else {
            throw node.error("updates of shape \(updates.shape) do not match data \(data.shape) and indices \(indices.shape)")
        }
        return [ValueFacts(shape: data.shape, element: data.element == .integer && updates.element == .integer ? .integer : .float)]
    }

    static func scatter<T: AdditiveArithmetic>(_ data: [T], _ updates: [T], offsets: [Int], length: Int, adds: Bool) -> [T] {
        var out = data
        for (row, offset) in offsets.enumerated() {
            for k in 0..<length {
                out[offset + k] = adds ? out[offset + k] + updates[row * length + k] : updates[row * length + k]
            }
        }
        return out
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let data = try node.value(inputs, 0, "data")
        let indices = try node.value(inputs, 1, "indices")
        let updates = try node.value(inputs, 2, "updates")
        guard indices.isInt else { throw node.error("indices must be integers") }
        guard updates.shape == updatesShape(data: data.shape, indices: indices.shape) else {
            throw node.error("updates of shape \(updates.shape) do not match data \(data.shape) and indices \(indices.shape)")
        }
        let (offsets, length) = try slices(data: data.shape, indicesShape: indices.shape, indices: indices.asInt.values)
        if case .int(let d) = data, case .int(let u) = updates {
            return [.int(IntTensor(shape: d.shape, values: Self.scatter(d.values, u.values, offsets: offsets, length: length, adds: adds)))]
        }
        let d = data.asFloat
        return [.float(Tensor(shape: d.shape, scalars: Self.scatter(d.scalars, updates.asFloat.scalars, offsets: offsets, length: length, adds: adds)))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.inputs.count >= 3, let data = context.inputs[0], let indices = context.inputs[1], let updates = context.inputs[2] else {
            throw LoupeError(.computation, location: "node '\(node.name)' (ScatterND)", "backward needs the forward inputs, which were not kept")
        }
        let g = try ShapeOps.gradient(context, 0, data.shape)
        let (offsets, length) = try slices(data: data.shape, indicesShape: indices.shape, indices: indices.asInt.values)
        var gradData: Tensor?
        if context.wantsInputGradient.first == true, !data.isInt {
            var masked = g
            if !adds { for offset in offsets { for k in 0..<length { masked.scalars[offset + k] = 0 } } }
            gradData = masked
        }
        var gradUpdates: Tensor?
        if context.wantsInputGradient.count > 2, context.wantsInputGradient[2], !updates.isInt {
            var gathered = [Float]()
            gathered.reserveCapacity(offsets.count * length)
            // With repeated indices and no reduction only the last write reached the output.
            var lastWriter = [Int: Int]()
            for (row, offset) in offsets.enumerated() { lastWriter[offset] = row }
            for (row, offset) in offsets.enumerated() {
                let reached = adds || lastWriter[offset] == row
                for k in 0..<length { gathered.append(reached ? g.scalars[offset + k] : 0) }
            }
            gradUpdates = Tensor(shape: updates.shape, scalars: gathered)
        }
        return [gradData, nil, gradUpdates]
    }
}

extension ScatterNDOperator {
    public init(node: Node, opset: Int) throws {
        switch try node.string("reduction", default: "none") {
        case "none": self.init(node: node, adds: false)
        case "add": self.init(node: node, adds: true)
        case let other: throw node.error("reduction '\(other)' is not supported (none and add are)")
        }
    }
}
