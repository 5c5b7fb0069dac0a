import LoupeONNX
import LoupeTensor

/// ONNX Einsum: sums of products over labelled axes, e.g. `"bhid,bhjd->bhij"` (MaxViT's attention).
///
/// Labels are letters (spaces are ignored); a label repeated within one operand takes its
/// diagonal; without `->` the output holds the labels used once, in alphabetical order. Ellipses
/// are not supported. Float inputs. The gradient of each operand is itself an Einsum of the output
/// gradient with the other operands.
public struct EinsumOperator: Operator {
    public static let opType = "Einsum"
    let node: Node
    let operandLabels: [[Character]]
    let outputLabels: [Character]

    public init(node: Node, opset: Int) throws {
        self.node = node
        let equation = try node.string("equation", default: "").filter { $0 != " " }
        guard !equation.contains(".") else { throw node.error("equation '\(equation)': ellipses are not supported") }
        let sides = equation.components(separatedBy: "->")
        guard sides.count <= 2, let left = sides.first, !left.isEmpty else { throw node.error("equation '\(equation)' is malformed") }
        operandLabels = left.split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        let all = operandLabels.flatMap { $0 }
        guard all.allSatisfy({ $0.isLetter && $0.isASCII }) else { throw node.error("equation '\(equation)' has labels other than letters") }
        if sides.count == 2 {
            outputLabels = Array(sides[1])
            guard outputLabels.allSatisfy({ all.contains($0) }), Set(outputLabels).count == outputLabels.count else {
                throw node.error("equation '\(equation)': output labels must appear in an input, once")
            }
        } else {
            outputLabels = Set(all).filter { c in all.filter { $0 == c }.count == 1 }.sorted()
        }
    }

    /// The extent of every label, checked for agreement across operands (and an optional output shape).
    func extents(_ shapes: [[Int]], _ labels: [[Character]]) throws -> [Character: Int] {
        guard shapes.count == labels.count else { throw node.error("expects \(labels.count) inputs, got \(shapes.count)") }
        var extents = [Character: Int]()
        for (shape, names) in zip(shapes, labels) {
            guard shape.count == names.count else { throw node.error("an input of shape \(shape) does not fit labels '\(String(names))'") }
            for (extent, name) in zip(shape, names) {
                if let known = extents[name], known != extent {
                    throw node.error("label '\(name)' has extents \(known) and \(extent)")
                }
                extents[name] = extent
            }
        }
        return extents
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let present = try inputs.indices.map { try node.facts(inputs, $0, "operand \($0)") }
        let extents = try extents(present.map(\.shape), operandLabels)
        return [ValueFacts(shape: outputLabels.map { extents[$0] ?? 1 }, element: .float)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let operands = try inputs.indices.map { try node.float(inputs, $0, "operand \($0)") }
        let extents = try extents(operands.map(\.shape), operandLabels)
        let shape = outputLabels.map { extents[$0] ?? 1 }
        return [.float(Self.contract(operands, operandLabels, into: outputLabels, shape: shape, extents: extents))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// `dOperand_k = einsum(g, other operands -> labels of operand k)`.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let operands = try context.inputs.indices.map { try context.floatInput($0) }
        let extents = try extents(operands.map(\.shape), operandLabels)
        let g = try ShapeOps.gradient(context, 0, outputLabels.map { extents[$0] ?? 1 })
        return operands.indices.map { k -> Tensor? in
            guard context.wants(k) else { return nil }
            var factors = [g], labels = [outputLabels]
            for j in operands.indices where j != k {
                factors.append(operands[j])
                labels.append(operandLabels[j])
            }
            return Self.contract(factors, labels, into: operandLabels[k], shape: operands[k].shape, extents: extents)
        }
    }

    /// Sums, over every combination of label values, the product of the operands' elements into
    /// the output element those labels address (a repeated output label writes the diagonal).
    static func contract(_ operands: [Tensor], _ labels: [[Character]], into output: [Character], shape: [Int],
                         extents: [Character: Int]) -> Tensor {
        var all = [Character]()
        for name in output + labels.flatMap({ $0 }) where !all.contains(name) { all.append(name) }
        let sizes = all.map { extents[$0] ?? 1 }
        var result = Tensor(shape: shape)
        let total = sizes.reduce(1, *)
        guard total > 0, result.count > 0 else { return result }
        /// Per label, the stride it advances in each operand (summed when a label repeats).
        func strides(_ names: [Character], _ shape: [Int]) -> [Int] {
            let own = Tensor.strides(of: shape)
            return all.map { name in names.indices.filter { names[$0] == name }.reduce(0) { $0 + own[$1] } }
        }
        let operandStrides = zip(labels, operands).map { strides($0.0, $0.1.shape) }
        let outputStrides = strides(output, shape)
        let rank = all.count, count = operands.count
        var index = [Int](repeating: 0, count: rank)
        var offsets = [Int](repeating: 0, count: count)
        var outOffset = 0
        let buffers = operands.map(\.scalars)
        result.scalars.withUnsafeMutableBufferPointer { out in
            for _ in 0..<total {
                var product: Float = 1
                for k in 0..<count { product *= buffers[k][offsets[k]] }
                out[outOffset] += product
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    outOffset += outputStrides[axis]
                    for k in 0..<count { offsets[k] += operandStrides[k][axis] }
                    if index[axis] < sizes[axis] { break }
                    outOffset -= outputStrides[axis] * sizes[axis]
                    for k in 0..<count { offsets[k] -= operandStrides[k][axis] * sizes[axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return result
    }
}
