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

    /// The gradients of an op whose only differentiable input is the data (input 0): `body(x)`
    /// gives that one from the forward input; nil for the rest, and for all when it is unwanted or integer.
    static func dataGradient(_ context: BackwardContext, _ body: (TensorValue) throws -> Tensor) rethrows -> [Tensor?] {
        var result = context.noGradients
        guard let x = context.wantedFloatInput(0) else { return result }
        result[0] = try body(x)
        return result
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

    /// The pieces (with their extents along `axis`) placed one after another along `axis` of `shape`.
    static func joined<T: Numeric>(_ pieces: [[T]], _ extents: [Int], shape: [Int], axis a: Int, total: Int) -> [T] {
        let outer = ShapeOps.product(shape, 0..<a), inner = ShapeOps.product(shape, (a + 1)..<shape.count)
        var values = [T](repeating: 0, count: total)
        var start = 0
        values.withUnsafeMutableBufferPointer { dst in
            for (piece, e) in zip(pieces, extents) {
                piece.withUnsafeBufferPointer {
                    LayoutKernels.insertBlock($0, axisExtent: shape[a], start: start, extent: e, outer: outer, inner: inner, into: dst)
                }
                start += e
            }
        }
        return values
    }
}

/// Integers an op reads from an attribute before some opset and from a constant input from it on
/// (the `axes` of Squeeze, Unsqueeze and the reductions, the `split` of Split).
struct AttributeOrInputInts: Sendable {
    /// The attribute's value: nil when it is absent, or when the values come from the input.
    let attribute: [Int]?
    /// The input that carries the values from the opset on; nil before it.
    let input: Int?
    /// The ONNX name, for error messages.
    let name: String

    /// The values when planning (an input must be a constant), or nil when none were given.
    func facts(_ inputs: [ValueFacts?], of node: Node) throws -> [Int]? {
        guard let input else { return attribute }
        return try node.constantInts(inputs, input, name)
    }

    /// The values when running, or nil when none were given.
    func values(_ inputs: [TensorValue?], of node: Node) -> [Int]? {
        guard let input else { return attribute }
        return node.optional(inputs, input)?.asInt.values
    }
}

extension AttributeOrInputInts {
    /// Reads attribute `name` below opset `fromOpset`; from it on, input `input` carries the values.
    init(node: Node, opset: Int, name: String, input: Int, fromOpset: Int) throws {
        self.init(attribute: opset >= fromOpset ? nil : try node.ints(name), input: opset >= fromOpset ? input : nil, name: name)
    }
}

/// Squeeze and Unsqueeze: a new shape from listed axes (attribute, or a constant input from opset 13); storage shared.
///
/// A member writes `outputShape`; parsing, facts, forward and the reshaped gradient come from here.
protocol AxesReshapingOperator: ReshapedGradientOperator {
    var node: Node { get }
    /// The `axes`: an attribute before opset 13, input 1 from 13 on.
    var axes: AttributeOrInputInts { get }
    /// The memberwise initializer.
    init(node: Node, axes: AttributeOrInputInts)
    /// The output shape for an input shape and the requested axes (nil when none were given).
    func outputShape(_ shape: [Int], _ requested: [Int]?) throws -> [Int]
}

extension AxesReshapingOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axes: try AttributeOrInputInts(node: node, opset: opset, name: "axes", input: 1, fromOpset: 13))
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        return [ShapeOps.reshaped(x, try outputShape(x.shape, try axes.facts(inputs, of: node)))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        return [ShapeOps.reshaped(x, try outputShape(x.shape, axes.values(inputs, of: node)))]
    }
}

/// An operator whose gradient is the output gradient reshaped to the input's planned shape (Reshape,
/// Flatten, Squeeze, Unsqueeze, Identity, Dropout): its backward keeps no input.
protocol ReshapedGradientOperator: Operator {}

extension ReshapedGradientOperator {
    public var backwardNeeds: BackwardNeeds { .inputs }

    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { noInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try ShapeOps.reshapedGradient(context)
    }
}
