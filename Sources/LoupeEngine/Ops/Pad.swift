import LoupeONNX
import LoupeTensor

/// ONNX Pad: grows (or, with negative pads, crops) each axis; border by `mode` constant, reflect or edge.
///
/// From opset 11 pads, the optional constant_value and (18+) axes are constant inputs; before,
/// the `pads` (`paddings` in opset 1) and `value` attributes.
public struct PadOperator: Operator {
    public static let opType = "Pad"
    let node: Node
    let mode: PadMode
    /// `pads`: an attribute before opset 11, input 1 from 11 on.
    let pads: AttributeOrInputInts
    /// Whether pads, `constant_value` (input 2) and `axes` (input 3) are inputs: opset 11 on.
    var fromInputs: Bool { pads.input != nil }
    let attributeValue: Float

    public init(node: Node, opset: Int) throws {
        self.node = node
        let modeName = try node.string("mode", default: "constant")
        guard let mode = PadMode(rawValue: modeName) else {
            throw node.error("mode '\(modeName)' is not supported (constant, reflect, edge)")
        }
        self.mode = mode
        attributeValue = try node.float("value", default: 0)
        if opset >= 11 {
            pads = AttributeOrInputInts(attribute: nil, input: 1, name: "pads")
        } else {
            guard let values = try node.ints(opset < 2 ? "paddings" : "pads") ?? node.ints("pads") else {
                throw node.error("missing required attribute 'pads'")
            }
            pads = AttributeOrInputInts(attribute: values, input: nil, name: "pads")
        }
    }

    /// The crop (from negative pads) and the non-negative growth per axis.
    struct Plan {
        var cropStart: [Int]
        var cropped: [Int]
        var before: [Int]
        var after: [Int]
        var output: [Int]

        /// Whether the plan neither crops nor pads `shape` (its output is its input): nothing cropped, and the
        /// non-negative pads add nothing.
        func isIdentity(for shape: [Int]) -> Bool { cropped == shape && output == shape }
    }

    func plan(_ shape: [Int], pads: [Int]?, axes: [Int]?) throws -> Plan {
        guard let pads else { throw node.error("missing required input 1 (pads)") }
        let rank = shape.count
        let axisList = try node.axes(axes ?? Array(0..<rank), rank: rank)
        guard pads.count == 2 * axisList.count else {
            throw node.error("pads has \(pads.count) values; expected \(2 * axisList.count)")
        }
        // No tensor within any memory budget has an axis of 2^40; refusing larger pads first keeps
        // the negation and sums below from overflowing (a pad of Int64.min trapped here).
        if let pad = pads.first(where: { $0.magnitude > 1 << 40 }) {
            throw node.error("pad \(pad) is out of range (at most 2^40 either way)")
        }
        var begin = [Int](repeating: 0, count: rank), end = begin
        for (i, a) in axisList.enumerated() {
            begin[a] = pads[i]
            end[a] = pads[i + axisList.count]
        }
        var p = Plan(cropStart: begin.map { max(0, -$0) }, cropped: shape, before: begin.map { max(0, $0) },
                     after: end.map { max(0, $0) }, output: shape)
        for a in 0..<rank {
            p.cropped[a] = shape[a] - p.cropStart[a] - max(0, -end[a])
            guard p.cropped[a] >= 0 else { throw node.error("negative pads crop more than axis \(a) holds (\(shape[a]))") }
            p.output[a] = p.cropped[a] + p.before[a] + p.after[a]
            let grows = p.before[a] + p.after[a] > 0
            if mode == .reflect, grows, max(p.before[a], p.after[a]) >= p.cropped[a] {
                throw node.error("reflect pads \(p.before[a]),\(p.after[a]) must be smaller than axis \(a) (\(p.cropped[a]))")
            }
            if mode == .edge, grows, p.cropped[a] == 0 { throw node.error("edge padding of an empty axis \(a)") }
        }
        return p
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        let given = try pads.facts(inputs, of: node)
        let axes = fromInputs ? try node.constantInts(inputs, 3, "axes") : nil
        if fromInputs, let value = node.optional(inputs, 2), value.constant == nil {
            throw node.error("input 'constant_value' must be a constant (computed values are not supported)")
        }
        return [ValueFacts(shape: try plan(x.shape, pads: given, axes: axes).output, element: x.element)]
    }

    func plan(_ inputs: [TensorValue?], shape: [Int]) throws -> Plan {
        let axes = fromInputs ? node.optional(inputs, 3)?.asInt.values : nil
        return try plan(shape, pads: pads.values(inputs, of: node), axes: axes)
    }

    /// `value` cropped by the plan (a copy only when something is cropped).
    static func cropped<T>(_ values: [T], _ shape: [Int], _ p: Plan) -> [T] {
        guard p.cropped != shape else { return values }
        return ShapeOps.produce(values, count: p.cropped.reduce(1, *)) {
            LayoutKernels.slice($0, shape: shape, starts: p.cropStart, steps: shape.map { _ in 1 }, counts: p.cropped, into: $1)
        }
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        let p = try plan(inputs, shape: x.shape)
        // Padding by zero on every side (Swin's windows on a map they divide) shares the input's storage.
        if p.isIdentity(for: x.shape) { return [x] }
        let n = try node.count(p.output)
        let fill = fromInputs ? node.optional(inputs, 2) : nil
        switch x {
        case .float(let t):
            let value = fill.map { $0.asFloat.scalars.first ?? 0 } ?? attributeValue
            let source = Self.cropped(t.scalars, t.shape, p)
            return [.float(Tensor(shape: p.output, scalars: ShapeOps.produce(source, count: n) {
                LayoutKernels.pad($0, shape: p.cropped, before: p.before, after: p.after, mode: mode, value: value, into: $1)
            }))]
        case .int(let t):
            let value = fill.map { $0.asInt.values.first ?? 0 } ?? Tensor.clampedInt(attributeValue)
            let source = Self.cropped(t.values, t.shape, p)
            return [.int(IntTensor(shape: p.output, values: ShapeOps.produce(source, count: n) {
                LayoutKernels.pad($0, shape: p.cropped, before: p.before, after: p.after, mode: mode, value: value, into: $1)
            }))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.dataGradient(context) { x in
            let p = try plan(context.inputs, shape: x.shape)
            let g = try ShapeOps.gradient(context, 0, p.output)
            if p.isIdentity(for: x.shape) { return g }
            var grad = ShapeOps.produce(g.scalars, count: p.cropped.reduce(1, *)) {
                LayoutKernels.padBackward($0, inputShape: p.cropped, before: p.before, after: p.after, mode: mode, into: $1)
            }
            if p.cropped != x.shape {
                grad = ShapeOps.produce(grad, count: x.shape.reduce(1, *)) {
                    LayoutKernels.sliceBackward($0, inputShape: x.shape, starts: p.cropStart, steps: x.shape.map { _ in 1 },
                                                counts: p.cropped, into: $1)
                }
            }
            return Tensor(shape: x.shape, scalars: grad)
        }
    }
}
