import LoupeONNX
import LoupeTensor

/// A node's name and type, kept by shape-family operators for one-line error messages.
struct ShapeOpLabel: Sendable {
    let name: String
    let opType: String

    init(_ node: Node) {
        name = node.name
        opType = node.opType
    }

    /// An invalid-model error located at this node.
    func error(_ reason: String) -> LoupeError {
        LoupeError(.invalidModel, location: "node '\(name)' (\(opType))", reason)
    }

    /// The facts of required input `index`, or an error naming it.
    func facts(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> ValueFacts {
        guard index < inputs.count, let facts = inputs[index] else { throw error("missing required input \(index) (\(what))") }
        return facts
    }

    /// The value of required input `index`, or an error naming it.
    func value(_ inputs: [TensorValue?], _ index: Int, _ what: String) throws -> TensorValue {
        guard index < inputs.count, let value = inputs[index] else { throw error("missing required input \(index) (\(what))") }
        return value
    }

    /// The float value of required input `index`.
    func float(_ inputs: [TensorValue?], _ index: Int, _ what: String) throws -> Tensor {
        try value(inputs, index, what).asFloat
    }

    /// Optional input `index`, nil when omitted.
    func optional(_ inputs: [TensorValue?], _ index: Int) -> TensorValue? {
        index < inputs.count ? inputs[index] : nil
    }

    /// Optional input facts at `index`, nil when omitted.
    func optional(_ inputs: [ValueFacts?], _ index: Int) -> ValueFacts? {
        index < inputs.count ? inputs[index] : nil
    }

    /// The integers of an optional attribute-like input, which must be a plan-time constant.
    ///
    /// Returns nil when the input is omitted; throws when it is present but not constant.
    func constantInts(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> [Int]? {
        guard let facts = optional(inputs, index) else { return nil }
        guard let constant = facts.constant else {
            throw error("input '\(what)' must be a constant (computed values are not supported)")
        }
        return constant.asInt.values
    }

    /// The floats of an optional attribute-like input, which must be a plan-time constant.
    func constantFloats(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> [Float]? {
        guard let facts = optional(inputs, index) else { return nil }
        guard let constant = facts.constant else {
            throw error("input '\(what)' must be a constant (computed values are not supported)")
        }
        return constant.asFloat.scalars
    }

    /// `axis` in `[-rank, rank)` mapped to `[0, rank)`.
    func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
        guard axis >= -rank && axis < rank else { throw error("\(what) \(axis) is out of range for rank \(rank)") }
        return axis < 0 ? axis + rank : axis
    }

    /// Distinct normalized axes, in the given order.
    func axes(_ axes: [Int], rank: Int) throws -> [Int] {
        let normalized = try axes.map { try axis($0, rank: rank) }
        guard Set(normalized).count == normalized.count else { throw error("repeated axis in \(axes)") }
        return normalized
    }

    /// The element count of `shape`, or an error when it overflows.
    func count(_ shape: [Int]) throws -> Int {
        guard let n = checkedProduct(shape) else { throw error("shape \(shape) is too large or negative") }
        return n
    }
}

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
    static func reshapedGradient(_ context: BackwardContext, input: Int = 0) throws -> [Tensor?] {
        guard context.wantsInputGradient.first == true, let x = context.inputs.first ?? nil, !x.isInt else {
            return context.inputs.map { _ in nil }
        }
        let count = x.shape.reduce(1, *)
        let g = context.gradient(0, shape: x.shape)
        guard g.count == count else {
            throw LoupeError(.computation, "gradient of \(g.count) elements does not match input shape \(x.shape)")
        }
        var result: [Tensor?] = context.inputs.map { _ in nil }
        result[input] = Tensor(shape: x.shape, scalars: g.scalars)
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
