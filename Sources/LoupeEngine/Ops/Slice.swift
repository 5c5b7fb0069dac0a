import LoupeONNX
import LoupeTensor

/// ONNX Slice: a strided window per axis (negative indices count from the end; ends clamp;
/// negative steps walk backwards).
///
/// From opset 10 starts, ends and the optional axes and steps are constant inputs; before, attributes.
public struct SliceOperator: Operator {
    public static let opType = "Slice"
    let node: Node
    let fromInputs: Bool
    let attributeParameters: (starts: [Int], ends: [Int], axes: [Int]?)?

    public init(node: Node, opset: Int) throws {
        self.node = node
        fromInputs = opset >= 10
        if fromInputs {
            attributeParameters = nil
        } else {
            guard let starts = try node.ints("starts"), let ends = try node.ints("ends") else {
                throw node.error("missing required attributes 'starts' and 'ends'")
            }
            attributeParameters = (starts, ends, try node.ints("axes"))
        }
    }

    /// Per-axis first index, step and count for an input shape.
    struct Window: Equatable {
        var starts: [Int]
        var steps: [Int]
        var counts: [Int]

        /// Whether the window is every element of `shape` in order (a copy would change nothing): a full count at
        /// step 1 can only start at 0.
        func isWhole(of shape: [Int]) -> Bool { counts == shape && steps.allSatisfy { $0 == 1 } }
    }

    func window(_ shape: [Int], starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws -> Window {
        let rank = shape.count
        let axisList = try node.axes(axes ?? Array(0..<starts.count), rank: rank)
        let stepList = steps ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axisList.count == starts.count, stepList.count == starts.count else {
            throw node.error("starts, ends, axes and steps must have the same length (\(starts.count), \(ends.count), \(axisList.count), \(stepList.count))")
        }
        var result = Window(starts: [Int](repeating: 0, count: rank), steps: [Int](repeating: 1, count: rank), counts: shape)
        for (i, a) in axisList.enumerated() {
            guard stepList[i] != 0 else { throw node.error("step 0 on axis \(a)") }
            let r = LayoutKernels.resolvedSlice(dim: shape[a], start: starts[i], end: ends[i], step: stepList[i])
            result.starts[a] = r.count > 0 ? r.start : 0
            result.steps[a] = stepList[i]
            result.counts[a] = r.count
        }
        return result
    }

    func window(_ shape: [Int], _ values: [Int: [Int]]) throws -> Window {
        if let p = attributeParameters {
            return try window(shape, starts: p.starts, ends: p.ends, axes: p.axes, steps: nil)
        }
        guard let starts = values[1], let ends = values[2] else { throw node.error("missing required inputs 'starts' and 'ends'") }
        return try window(shape, starts: starts, ends: ends, axes: values[3], steps: values[4])
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        var values = [Int: [Int]]()
        if fromInputs {
            for (i, name) in [(1, "starts"), (2, "ends"), (3, "axes"), (4, "steps")] {
                values[i] = try node.constantInts(inputs, i, name)
            }
        }
        return [ValueFacts(shape: try window(x.shape, values).counts, element: x.element)]
    }

    func window(_ inputs: [TensorValue?], shape: [Int]) throws -> Window {
        var values = [Int: [Int]]()
        if fromInputs {
            for i in 1...4 { values[i] = node.optional(inputs, i)?.asInt.values }
        }
        return try window(shape, values)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        let w = try window(inputs, shape: x.shape)
        // A window that covers every element in order (Swin's crop after padding by zero) shares the input's storage.
        if w.isWhole(of: x.shape) { return [x] }
        let n = w.counts.reduce(1, *)
        switch x {
        case .float(let t):
            return [.float(Tensor(shape: w.counts, scalars: ShapeOps.produce(t.scalars, count: n) {
                LayoutKernels.slice($0, shape: t.shape, starts: w.starts, steps: w.steps, counts: w.counts, into: $1)
            }))]
        case .int(let t):
            return [.int(IntTensor(shape: w.counts, values: ShapeOps.produce(t.values, count: n) {
                LayoutKernels.slice($0, shape: t.shape, starts: w.starts, steps: w.steps, counts: w.counts, into: $1)
            }))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.dataGradient(context) { x in
            let w = try window(context.inputs, shape: x.shape)
            let g = try ShapeOps.gradient(context, 0, w.counts)
            if w.isWhole(of: x.shape) { return g }
            return Tensor(shape: x.shape, scalars: ShapeOps.produce(g.scalars, count: x.shape.reduce(1, *)) {
                LayoutKernels.sliceBackward($0, inputShape: x.shape, starts: w.starts, steps: w.steps, counts: w.counts, into: $1)
            })
        }
    }
}
