import LoupeONNX
import LoupeTensor

/// ONNX Cast: float types become Float32 values, integer and boolean types become integers
/// (floats truncate toward zero; bool maps nonzero to 1).
///
/// The gradient passes through float-to-float casts and is nil otherwise.
public struct CastOperator: Operator {
    public static let opType = "Cast"
    let node: Node
    let target: Target

    /// What the values become: Float32, integers, or booleans (0/1 integers).
    enum Target { case float, integer, boolean }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        return [ValueFacts(shape: x.shape, element: target == .float ? .float : .integer)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        switch target {
        case .float: return [.float(x.asFloat)]
        case .integer: return [.int(x.asInt)]
        case .boolean:
            switch x {
            case .float(let t): return [.int(IntTensor(shape: t.shape, values: t.scalars.map { $0 != 0 ? 1 : 0 }))]
            case .int(let t): return [.int(IntTensor(shape: t.shape, values: t.values.map { $0 != 0 ? 1 : 0 }))]
            }
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard target == .float, let x = context.wantedFloatInput(0) else { return context.noGradients }
        return [try ShapeOps.gradient(context, 0, x.shape)]
    }
}

extension CastOperator {
    public init(node: Node, opset: Int) throws {
        let to = try node.int("to", default: -1)
        // TensorProto.DataType: FLOAT, FLOAT16, DOUBLE, BFLOAT16 and the FLOAT8 variants.
        let floats: Set<Int> = [1, 10, 11, 16, 17, 18, 19, 20]
        // UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, UINT32, UINT64, UINT4, INT4.
        let integers: Set<Int> = [2, 3, 4, 5, 6, 7, 9, 12, 13, 21, 22]
        guard floats.contains(to) || integers.contains(to) else {
            throw node.error("cast to data type \(to) is not supported (numeric types only)")
        }
        self.init(node: node, target: floats.contains(to) ? .float : to == 9 ? .boolean : .integer)
    }
}
