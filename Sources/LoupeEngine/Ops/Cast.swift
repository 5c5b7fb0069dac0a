import LoupeONNX
import LoupeTensor

/// ONNX Cast: float types become Float32 values, integer and boolean types become integers
/// (floats truncate toward zero; bool maps nonzero to 1).
///
/// The gradient passes through float-to-float casts and is nil otherwise.
public struct CastOperator: Operator {
    public static let opType = "Cast"
    let node: Node
    let target: ElementKind
    let toBool: Bool

    public init(node: Node, opset: Int) throws {
        self.node = node
        let to = try node.int("to", default: -1)
        // TensorProto.DataType: FLOAT, FLOAT16, DOUBLE, BFLOAT16 and the FLOAT8 variants.
        let floats: Set<Int> = [1, 10, 11, 16, 17, 18, 19, 20]
        // UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, UINT32, UINT64, UINT4, INT4.
        let integers: Set<Int> = [2, 3, 4, 5, 6, 7, 9, 12, 13, 21, 22]
        if floats.contains(to) { target = .float } else if integers.contains(to) { target = .integer } else {
            throw node.error("cast to data type \(to) is not supported (numeric types only)")
        }
        toBool = to == 9
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        return [ValueFacts(shape: x.shape, element: target)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        switch target {
        case .float: return [.float(x.asFloat)]
        case .integer:
            if toBool {
                switch x {
                case .float(let t): return [.int(IntTensor(shape: t.shape, values: t.scalars.map { $0 != 0 ? 1 : 0 }))]
                case .int(let t): return [.int(IntTensor(shape: t.shape, values: t.values.map { $0 != 0 ? 1 : 0 }))]
                }
            }
            return [.int(x.asInt)]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard target == .float, let x = context.wantedFloatInput(0) else { return context.noGradients }
        return [try ShapeOps.gradient(context, 0, x.shape)]
    }
}
