import LoupeONNX
import LoupeTensor

/// Helpers for operators that move data without arithmetic (both float and integer values).
enum ShapeOps {
    /// A new array of `count` elements written by `body` from `source`.
    @inline(__always)
    static func produce<T>(_ source: [T], count: Int,
                           _ body: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
        source.withUnsafeBufferPointer { src in
            [T](unsafeUninitializedCapacity: count) { dst, initialized in
                body(src, dst)
                initialized = count
            }
        }
    }

    /// The value with a new shape of equal element count, sharing storage.
    static func reshaped(_ value: TensorValue, _ shape: [Int]) -> TensorValue {
        switch value {
        case .float(let t): return .float(Tensor(shape: shape, scalars: t.scalars))
        case .int(let t): return .int(IntTensor(shape: shape, values: t.values))
        }
    }

    /// Facts with a new shape, keeping kind and reshaping any constant.
    static func reshaped(_ facts: ValueFacts, _ shape: [Int]) -> ValueFacts {
        ValueFacts(shape: shape, element: facts.element, constant: facts.constant.map { reshaped($0, shape) })
    }

    /// Gradient reshaped to the input's shape (for storage-sharing ops).
    /// Reads only the input's shape: the ops that use it declare `noInputsRead`.
    static func reshapedGradient(_ context: BackwardContext, input: Int = 0) throws -> [Tensor?] {
        guard context.wants(0), context.inputs[0]?.isInt != true else {
            return context.noGradients
        }
        let shape = try context.inputShape(0)
        let count = shape.reduce(1, *)
        let g = context.gradient(0, shape: shape)
        guard g.count == count else {
            throw LoupeError(.computation, "gradient of \(g.count) elements does not match input shape \(shape)")
        }
        var result = context.noGradients
        result[input] = Tensor(shape: shape, scalars: g.scalars)
        return result
    }

    /// The gradient of output `index` (zeros when none arrived), checked against the expected shape.
    static func gradient(_ context: BackwardContext, _ index: Int, _ shape: [Int]) throws -> Tensor {
        let g = context.gradient(index, shape: shape)
        guard g.shape == shape else {
            throw LoupeError(.computation, "gradient of shape \(g.shape) does not match output shape \(shape)")
        }
        return g
    }

    /// Product of `shape[range]`.
    static func product(_ shape: [Int], _ range: Range<Int>) -> Int { shape[range].reduce(1, *) }
}

/// Squeeze and Unsqueeze: a new shape from listed axes (attribute, or a constant input from opset 13); storage shared.
///
/// A member writes `outputShape`; facts, forward and the reshaped gradient come from here.
protocol AxesReshapingOperator: Operator {
    var node: Node { get }
    /// The `axes` attribute (before opset 13).
    var attributeAxes: [Int]? { get }
    /// Whether the axes come from input 1 (opset 13 on).
    var axesFromInput: Bool { get }
    /// The output shape for an input shape and the requested axes (nil when none were given).
    func outputShape(_ shape: [Int], _ requested: [Int]?) throws -> [Int]
}

extension AxesReshapingOperator {
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        let axes = axesFromInput ? try node.constantInts(inputs, 1, "axes") : attributeAxes
        return [ShapeOps.reshaped(x, try outputShape(x.shape, axes))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        let axes = axesFromInput ? node.optional(inputs, 1)?.asInt.values : attributeAxes
        return [ShapeOps.reshaped(x, try outputShape(x.shape, axes))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The gradient is reshaped to the input's planned shape: no input is kept.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.reshapedGradient(context)
    }
}
