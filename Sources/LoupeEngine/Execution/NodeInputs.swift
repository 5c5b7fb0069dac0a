import LoupeONNX
import LoupeTensor

/// The one way an operator reads its inputs: through the node it was built from.
///
/// An operator keeps `let node: Node` and writes `try node.float(inputs, 0, "X")`,
/// `node.optional(inputs, 2)` or `try node.floatFacts(inputs, 1, "W")`; every read names the
/// input in its error and places the error on the node, so a malformed model fails with one line
/// saying where. The family protocols (`UnaryElementwiseOperator`, `BroadcastingBinaryOperator`,
/// `ReduceOperator`, `SoftmaxFamilyOperator`, `GlobalPoolingOperator`) read this way for their members.
extension Node {
    /// The value of required input `index`, or an error naming it.
    func value(_ inputs: [TensorValue?], _ index: Int, _ what: String) throws -> TensorValue {
        guard index < inputs.count, let value = inputs[index] else { throw missing(index, what) }
        return value
    }

    /// The float value of required input `index` (integers converted), or an error naming it.
    func float(_ inputs: [TensorValue?], _ index: Int, _ what: String) throws -> Tensor {
        try value(inputs, index, what).asFloat
    }

    /// Optional input `index`, nil when omitted.
    func optional(_ inputs: [TensorValue?], _ index: Int) -> TensorValue? {
        index < inputs.count ? inputs[index] : nil
    }

    /// The facts of required input `index`, or an error naming it.
    func facts(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> ValueFacts {
        guard index < inputs.count, let facts = inputs[index] else { throw missing(index, what) }
        return facts
    }

    /// The facts of required input `index`, refusing integer tensors.
    func floatFacts(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> ValueFacts {
        let facts = try facts(inputs, index, what)
        guard facts.element == .float else { throw error("input \(index) must be a floating-point tensor") }
        return facts
    }

    /// Optional input facts at `index`, nil when omitted.
    func optional(_ inputs: [ValueFacts?], _ index: Int) -> ValueFacts? {
        index < inputs.count ? inputs[index] : nil
    }

    /// The integers of an optional attribute-like input, which must be a plan-time constant.
    ///
    /// Returns nil when the input is omitted; throws when it is present but not constant.
    func constantInts(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> [Int]? {
        try constant(inputs, index, what)?.asInt.values
    }

    /// The floats of an optional attribute-like input, which must be a plan-time constant.
    func constantFloats(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> [Float]? {
        try constant(inputs, index, what)?.asFloat.scalars
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

    /// Runs `body`, moving a location-less `LoupeError` onto this node.
    func located<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as LoupeError {
            if error.location.isEmpty { error.location = "node '\(name)' (\(opType))" }
            throw error
        }
    }

    private func missing(_ index: Int, _ what: String) -> LoupeError {
        error("missing required input \(index) (\(what))")
    }

    private func constant(_ inputs: [ValueFacts?], _ index: Int, _ what: String) throws -> TensorValue? {
        guard let facts = optional(inputs, index) else { return nil }
        guard let constant = facts.constant else {
            throw error("input '\(what)' must be a constant (computed values are not supported)")
        }
        return constant
    }
}

extension BackwardContext {
    /// Whether the caller wants the gradient of input `index` (and that input exists).
    public func wants(_ index: Int) -> Bool {
        index < wantsInputGradient.count && wantsInputGradient[index] && index < inputs.count
    }

    /// Forward input `index` when its gradient is wanted and it holds floats; nil otherwise.
    public func wantedFloatInput(_ index: Int) -> TensorValue? {
        guard wants(index), let value = inputs[index], !value.isInt else { return nil }
        return value
    }

    /// Which of the first `count` inputs want a gradient, or nil when none of them does.
    public func wantedInputs(_ count: Int) -> [Bool]? {
        let wanted = (0..<count).map { wants($0) }
        return wanted.contains(true) ? wanted : nil
    }

    /// No gradient for any input: where a backward that fills in some of them starts.
    public var noGradients: [Tensor?] { inputs.map { _ in nil } }
}
