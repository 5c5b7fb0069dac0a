import LoupeONNX
import LoupeTensor

/// ONNX Shape: the input's extents as a rank-1 integer tensor (opset 15 `start`/`end` select a range).
///
/// The result is known at plan time, so `inferFacts` returns it as a constant.
public struct ShapeOperator: Operator {
    public static let opType = "Shape"
    let node: Node
    let start: Int
    let end: Int?

    func extents(_ shape: [Int]) -> IntTensor {
        let rank = shape.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
        let s = clamp(start), e = clamp(end ?? rank)
        return IntTensor(vector: s < e ? Array(shape[s..<e]) : [])
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        [ValueFacts(constant: .int(extents(try node.facts(inputs, 0, "data").shape)))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [.int(extents(try node.value(inputs, 0, "data").shape))]
    }

    public var backwardNeeds: BackwardNeeds { .none }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.noGradients
    }
}

extension ShapeOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, start: opset >= 15 ? try node.int("start", default: 0) : 0,
                  end: opset >= 15 ? try node.ints("end")?.first : nil)
    }
}
