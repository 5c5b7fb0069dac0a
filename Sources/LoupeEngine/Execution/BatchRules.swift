import LoupeONNX
import LoupeTensor

/// The rule per operator type that a step keeps the images of a batch apart (`BatchSeparation`).
///
/// `roles` starts from the values' shapes (batch axis found, images assumed outermost) and is
/// updated step by step with how the images interleave in each step's outputs.
struct BatchRules {
    let graph: Graph
    let plan: Plan
    /// Images in the batch `plan` was made for.
    let images: Int
    var roles: [String: BatchRole]

    static let elementwise: Set<String> = [
        "Abs", "Add", "Cast", "Clip", "Div", "Dropout", "Elu", "Equal", "Erf", "Exp", "Expand", "Gelu", "HardSigmoid",
        "HardSwish", "Identity", "LeakyRelu", "Log", "Mod", "Mul", "Neg", "Not", "PRelu", "Pow", "Relu", "Sigmoid",
        "Softplus", "Sqrt", "Sub", "Tanh", "Where",
    ]
    /// Operators over `[N, C, ...]` tensors that treat each of the N entries on its own.
    static let imageFirst: Set<String> = [
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
        "BatchNormalization", "Resize", "Upsample", "Pad",
    ]
    static let reshaping: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze"]
    static let reducing: Set<String> = ["ReduceMax", "ReduceMean", "ReduceSum"]
    /// Inputs (by position) that are shapes, sizes, axes or pads rather than data.
    static let shapeArguments: [String: Set<Int>] = [
        "Reshape": [1], "Expand": [1], "Slice": [1, 2, 3, 4], "Resize": [1, 2, 3], "Upsample": [1], "Pad": [1, 2, 3],
        "Squeeze": [1], "Unsqueeze": [1], "ReduceMax": [1], "ReduceMean": [1], "ReduceSum": [1], "Split": [1],
    ]

    private func role(_ name: String) -> BatchRole { name.isEmpty ? .free : roles[name] ?? .free }
    private func rank(_ name: String) -> Int { plan.facts[name]?.shape.count ?? 0 }
    private func batchAxis(_ name: String) -> Int? {
        if case .axis(let a, _) = role(name) { return a }
        return nil
    }
    private func outer(_ name: String) -> Int? {
        if case .axis(_, let o) = role(name) { return o }
        return nil
    }

    /// How the images interleave in `node`'s outputs (`BatchRole.axis`'s `outer`; 1 when no output
    /// carries the batch), or nil when the node mixes images or has no rule.
    func outerOfOutputs(_ node: Node) -> Int? {
        let shapeArgs = Self.shapeArguments[node.opType] ?? []
        for (position, input) in node.inputs.enumerated() where role(input) == .shapeArgument && !shapeArgs.contains(position) {
            return nil
        }
        let data = node.inputs.enumerated().filter { !shapeArgs.contains($0.offset) && !$0.element.isEmpty }.map(\.element)
        let batchedIn = data.filter { batchAxis($0) != nil }
        let outputs = node.outputs.filter { !$0.isEmpty }
        // An image's data may not end up in a value every image shares.
        if !batchedIn.isEmpty && outputs.contains(where: { batchAxis($0) == nil }) { return nil }
        guard let out = outputs.first, let outAxis = batchAxis(out) else { return 1 }
        let outers = Set(batchedIn.compactMap(outer))
        guard outers.count <= 1 else { return nil }
        let common = outers.first ?? 1
        let op = node.opType
        if Self.elementwise.contains(op) { return alignsRight(batchedIn, with: out, at: outAxis) ? common : nil }
        if Self.imageFirst.contains(op) {
            let keeps = outAxis == 0 && batchedIn == [node.inputs[0]] && batchAxis(node.inputs[0]) == 0 && common == 1
            return keeps ? 1 : nil
        }
        if Self.reducing.contains(op) { return batchedIn.count == 1 ? common : nil }
        if Self.reshaping.contains(op) { return reshapedOuter(node.inputs[0], out) }
        guard (try? ruleForOther(node, batchedIn, out, outAxis)) == true else { return nil }
        return common
    }

    /// Rules that read the node's attributes.
    private func ruleForOther(_ node: Node, _ batchedIn: [String], _ out: String, _ outAxis: Int) throws -> Bool {
        let first = node.inputs[0]
        let inAxis = batchAxis(first)
        func normal(_ axis: Int, _ r: Int) -> Int { axis < 0 ? axis + r : axis }
        switch node.opType {
        case "Transpose":
            let perm = try node.ints("perm") ?? Array((0..<rank(first)).reversed())
            return inAxis.map { perm.firstIndex(of: $0) == outAxis } ?? false
        case "Softmax", "LogSoftmax":
            guard let a = inAxis, a == outAxis else { return false }
            let r = rank(first)
            if graph.opsetVersion < 13 { return a < normal(try node.int("axis", default: 1), r) }
            return a != normal(try node.int("axis", default: -1), r)
        case "LayerNormalization":
            guard let a = inAxis, a == outAxis, batchedIn == [first] else { return false }
            return a < normal(try node.int("axis", default: -1), rank(first))
        case "Concat":
            let a = normal(try node.int("axis", default: 0), rank(out))
            return a != outAxis && node.inputs.allSatisfy { $0.isEmpty || batchAxis($0) == outAxis }
        case "Split":
            let a = normal(try node.int("axis", default: 0), rank(first))
            return inAxis == outAxis && a != outAxis && node.outputs.allSatisfy { $0.isEmpty || batchAxis($0) == outAxis }
        case "Gather":
            let a = normal(try node.int("axis", default: 0), rank(first))
            let indices = node.inputs.count > 1 ? node.inputs[1] : ""
            if let d = inAxis { return batchAxis(indices) == nil && d != a && outAxis == (d < a ? d : d + rank(indices) - 1) }
            return batchAxis(indices).map { outAxis == a + $0 } ?? false
        case "Slice":
            guard let a = inAxis, a == outAxis else { return false }
            return try slicedAxes(node, rank: rank(first)).map { !$0.contains(a) } ?? false
        case "MatMul":
            return matMulKeepsImages(node, outAxis)
        case "Einsum":
            return einsumKeepsImages(try node.string("equation", default: ""), node.inputs, outAxis)
        case "Gemm":
            let rowAxis = try node.int("transA", default: 0) == 0 ? 0 : 1
            let c = node.inputs.count > 2 ? node.inputs[2] : ""
            return outAxis == 0 && inAxis == rowAxis && batchAxis(node.inputs[1]) == nil
                && (batchAxis(c) == nil || batchAxis(c) == rank(c) - 2)
        default:
            return false
        }
    }

    /// The axes a Slice cuts (normalised), or nil when they are not known at plan time.
    private func slicedAxes(_ node: Node, rank r: Int) throws -> [Int]? {
        if graph.opsetVersion < 10 {
            guard let starts = try node.ints("starts") else { return nil }
            return (try node.ints("axes") ?? Array(0..<starts.count)).map { $0 < 0 ? $0 + r : $0 }
        }
        let axesName = node.inputs.count > 3 ? node.inputs[3] : ""
        if axesName.isEmpty {
            guard node.inputs.count > 1, let starts = plan.facts[node.inputs[1]]?.constant else { return nil }
            return Array(0..<starts.shape.reduce(1, *))
        }
        guard let axes = plan.facts[axesName]?.constant?.asInt.values else { return nil }
        return axes.map { $0 < 0 ? $0 + r : $0 }
    }

    /// Elementwise broadcasting: every batched input has the batch on the output's axis, counted from the right.
    private func alignsRight(_ batchedIn: [String], with out: String, at outAxis: Int) -> Bool {
        let r = rank(out)
        return batchedIn.allSatisfy { input in batchAxis(input).map { $0 + r - rank(input) == outAxis } ?? false }
    }

    /// How the images interleave after a reshape: in flat order, each image's entries come in
    /// `runs` runs of `block` entries; the output's batch axis must hold those runs whole.
    private func reshapedOuter(_ input: String, _ out: String) -> Int? {
        guard let a = batchAxis(input), let inOuter = outer(input), let b = batchAxis(out),
              let inShape = plan.facts[input]?.shape, let outShape = plan.facts[out]?.shape else { return nil }
        guard images > 0, inOuter > 0, inShape[a] % (inOuter * images) == 0 else { return nil }
        let runs = inShape[..<a].reduce(1, *) * inOuter
        let block = inShape[a] / (inOuter * images) * inShape[(a + 1)...].reduce(1, *)
        let before = outShape[..<b].reduce(1, *)
        guard before > 0, runs % before == 0 else { return nil }
        let outOuter = runs / before
        guard outShape[b] % (outOuter * images) == 0,
              outShape[b] / (outOuter * images) * outShape[(b + 1)...].reduce(1, *) == block else { return nil }
        return outOuter
    }

    /// An explicit Einsum (no ellipsis) keeps the images apart when every batched input's batch axis
    /// has the same letter and the output keeps that letter on its batch axis.
    private func einsumKeepsImages(_ equation: String, _ inputs: [String], _ outAxis: Int) -> Bool {
        let sides = equation.filter { !$0.isWhitespace }.components(separatedBy: "->")
        guard sides.count == 2, !equation.contains("."), outAxis < sides[1].count else { return false }
        let terms = sides[0].components(separatedBy: ",").map(Array.init)
        let letter = Array(sides[1])[outAxis]
        guard terms.count == inputs.count else { return false }
        return zip(terms, inputs).allSatisfy { term, input in
            guard let axis = batchAxis(input) else { return !term.contains(letter) }
            return axis < term.count && term[axis] == letter
        }
    }

    /// A matrix product keeps the images apart along a broadcast batch axis or the rows of its left
    /// operand (or the columns of its right one), never along the contracted axis.
    private func matMulKeepsImages(_ node: Node, _ outAxis: Int) -> Bool {
        guard node.inputs.count == 2 else { return false }
        let (a, b) = (node.inputs[0], node.inputs[1])
        let (ra, rb, r) = (rank(a), rank(b), rank(node.outputs[0]))
        guard ra >= 2, rb >= 2 else { return false }
        if outAxis == r - 2 { return batchAxis(a) == ra - 2 && batchAxis(b) == nil }
        if outAxis == r - 1 { return batchAxis(b) == rb - 1 && batchAxis(a) == nil }
        return [a, b].allSatisfy { input in
            guard let axis = batchAxis(input) else { return true }
            return axis < rank(input) - 2 && axis + r - rank(input) == outAxis
        }
    }
}
