import LoupeONNX
import LoupeTensor

/// ONNX Transpose: permutes axes (output axis i is input axis `perm[i]`; default reverses them).
public struct TransposeOperator: Operator {
    public static let opType = "Transpose"
    let node: Node
    let perm: [Int]?

    /// The permutation for an input of `rank`, validated.
    func permutation(rank: Int) throws -> [Int] {
        guard let perm else { return Array((0..<rank).reversed()) }
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw node.error("perm \(perm) is not a permutation of \(rank) axes")
        }
        return perm
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        let p = try permutation(rank: x.shape.count)
        return [ValueFacts(shape: p.map { x.shape[$0] }, element: x.element)]
    }

    static func permuted(_ value: TensorValue, _ perm: [Int]) -> TensorValue {
        let outShape = perm.map { value.shape[$0] }
        switch value {
        case .float(let t):
            return .float(Tensor(shape: outShape, scalars: ShapeOps.produce(t.scalars, count: t.count) {
                LayoutKernels.permute($0, shape: t.shape, perm: perm, into: $1)
            }))
        case .int(let t):
            return .int(IntTensor(shape: outShape, values: ShapeOps.produce(t.values, count: t.count) {
                LayoutKernels.permute($0, shape: t.shape, perm: perm, into: $1)
            }))
        }
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        return [Self.permuted(x, try permutation(rank: x.shape.count))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The gradient is permuted back using the input's planned shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wants(0), context.inputs[0]?.isInt != true else { return [nil] }
        let shape = try context.inputShape(0)
        let p = try permutation(rank: shape.count)
        var inverse = p
        for (i, a) in p.enumerated() { inverse[a] = i }
        let g = try ShapeOps.gradient(context, 0, p.map { shape[$0] })
        return [Self.permuted(.float(g), inverse).asFloat]
    }
}

extension TransposeOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, perm: try node.ints("perm"))
    }
}
