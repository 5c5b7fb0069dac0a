import LoupeONNX
import LoupeTensor

/// Helpers shared by the elementwise operator family (input checks, error placement).
enum ElementwiseSupport {
    /// Runs `body`, moving a location-less `LoupeError` onto `node` and turning other errors into node errors.
    static func at<T>(_ node: Node, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as LoupeError {
            if error.location.isEmpty { error.location = "node '\(node.name)' (\(node.opType))" }
            throw error
        }
    }

    /// The facts of required input `index`, or a node error naming it.
    static func required(_ inputs: [ValueFacts?], _ index: Int, _ node: Node, _ what: String) throws -> ValueFacts {
        guard index < inputs.count, let facts = inputs[index] else {
            throw node.error("missing required input \(index) (\(what))")
        }
        return facts
    }

    /// The forward value of required input `index`, or a node error naming it.
    static func value(_ inputs: [TensorValue?], _ index: Int, _ node: Node, _ what: String) throws -> TensorValue {
        guard index < inputs.count, let value = inputs[index] else {
            throw node.error("missing required input \(index) (\(what))")
        }
        return value
    }

    /// Whether the backward caller wants the gradient of input `index`.
    static func wants(_ context: BackwardContext, _ index: Int) -> Bool {
        index < context.wantsInputGradient.count && context.wantsInputGradient[index]
            && index < context.inputs.count
    }

    /// Normalises a possibly negative axis against `rank`, or throws a node error.
    static func axis(_ axis: Int, rank: Int, _ node: Node) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < max(rank, 1) else {
            throw node.error("axis \(axis) is out of range for an input of rank \(rank)")
        }
        return resolved
    }
}

/// A unary elementwise operator: the output has the input's shape.
protocol UnaryElementwiseOperator: Operator {
    /// The node, for error messages.
    var node: Node { get }
    /// The float function computed by `forward`.
    var function: UnaryFunction { get }
    /// Whether integer tensors are accepted (computed exactly by `integerForward`).
    static var acceptsIntegers: Bool { get }
    /// The exact integer result, or nil when the op does not accept integer tensors.
    func integerForward(_ x: IntTensor) -> IntTensor?
}

extension UnaryElementwiseOperator {
    static var acceptsIntegers: Bool { false }
    func integerForward(_ x: IntTensor) -> IntTensor? { nil }

    /// Output facts: the input's shape; integer inputs only where `acceptsIntegers`.
    func unaryInferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try ElementwiseSupport.required(inputs, 0, node, "X")
        if x.element == .integer {
            guard Self.acceptsIntegers else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(x.shape)")
            }
            return [ValueFacts(shape: x.shape, element: .integer)]
        }
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    /// Applies `function` (or `integerForward` to integer tensors).
    func unaryForward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try ElementwiseSupport.value(inputs, 0, node, "X")
        if case .int(let ints) = x {
            guard let result = integerForward(ints) else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(ints.shape)")
            }
            return [.int(result)]
        }
        return [.float(applyUnary(function, to: x.asFloat))]
    }

    /// The common backward shape: `kernel(grad, x or y)` for input 0.
    ///
    /// `useOutput` selects whether the kernel receives the forward output instead of the input.
    @inline(__always)
    func unaryBackward<K: BinaryKernel>(_ context: BackwardContext, useOutput: Bool = false,
                                        _ kernel: K) throws -> [Tensor?] where K.Element == Float {
        guard ElementwiseSupport.wants(context, 0) else { return [nil] }
        let v = useOutput ? try context.floatOutput(0) : try context.floatInput(0)
        let g = context.gradient(0, shape: v.shape)
        return [zipElements(g, v, kernel)]
    }
}

/// A binary operator with numpy multidirectional broadcasting.
protocol BroadcastingBinaryOperator: Operator {
    /// The node, for error messages.
    var node: Node { get }
    /// The float operation computed by `forward`.
    static var floatOp: FloatBinaryOp { get }
    /// The integer operation, or nil when integer inputs are refused.
    static var intOp: IntBinaryOp? { get }
}

extension BroadcastingBinaryOperator {
    /// Output facts: the broadcast shape; integer when both inputs are and `intOp` exists.
    func binaryInferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let a = try ElementwiseSupport.required(inputs, 0, node, "A")
        let b = try ElementwiseSupport.required(inputs, 1, node, "B")
        let shape = try ElementwiseSupport.at(node) { try broadcastShape(a.shape, b.shape) }
        if a.element == .integer && b.element == .integer {
            guard Self.intOp != nil else { throw node.error("integer inputs are not supported") }
            return [ValueFacts(shape: shape, element: .integer)]
        }
        return [ValueFacts(shape: shape, element: .float)]
    }

    /// Runs `intOp` on two integer tensors, `floatOp` otherwise.
    func binaryForward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try ElementwiseSupport.value(inputs, 0, node, "A")
        let b = try ElementwiseSupport.value(inputs, 1, node, "B")
        return try ElementwiseSupport.at(node) {
            if case .int(let ia) = a, case .int(let ib) = b {
                guard let op = Self.intOp else { throw node.error("integer inputs are not supported") }
                return [.int(try broadcastBinary(ia, ib, op))]
            }
            return [.float(try broadcastBinary(a.asFloat, b.asFloat, Self.floatOp))]
        }
    }

    /// Shapes of both forward inputs, for gradient reduction.
    func inputShapes(_ context: BackwardContext) throws -> ([Int], [Int]) {
        guard context.inputs.count >= 2, let a = context.inputs[0], let b = context.inputs[1] else {
            throw LoupeError(.computation, location: "node '\(node.name)' (\(node.opType))",
                             "backward needs both forward inputs, which were not kept")
        }
        return (a.shape, b.shape)
    }
}

/// Softmax and LogSoftmax share everything but the `log` flag.
protocol SoftmaxFamilyOperator: Operator {
    var node: Node { get }
    /// The `axis` attribute as given (may be negative).
    var axis: Int { get }
    /// Opset < 13: flatten to 2-D at `axis` and normalise over the whole trailing block.
    var coerces2D: Bool { get }
    static var isLog: Bool { get }
}

extension SoftmaxFamilyOperator {
    /// The input viewed as [outer, extent, inner] with the normalised extent in the middle.
    func geometry(_ shape: [Int]) throws -> (outer: Int, extent: Int, inner: Int) {
        if shape.isEmpty { return (1, 1, 1) }
        let resolved = try ElementwiseSupport.axis(axis, rank: shape.count, node)
        let outer = shape[..<resolved].reduce(1, *)
        if coerces2D { return (outer, shape[resolved...].reduce(1, *), 1) }
        return (outer, shape[resolved], shape[(resolved + 1)...].reduce(1, *))
    }

    func softmaxInferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try ElementwiseSupport.required(inputs, 0, node, "input")
        guard x.element == .float else { throw node.error("expects a floating-point input") }
        _ = try geometry(x.shape)
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    func softmaxForward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try ElementwiseSupport.value(inputs, 0, node, "input").asFloat
        let (outer, extent, inner) = try geometry(x.shape)
        return [.float(LoupeTensor.softmaxForward(x, outer: outer, axis: extent, inner: inner, log: Self.isLog))]
    }

    func softmaxBackward(_ context: BackwardContext) throws -> [Tensor?] {
        guard ElementwiseSupport.wants(context, 0) else { return [nil] }
        let y = try context.floatOutput(0)
        let (outer, extent, inner) = try geometry(y.shape)
        let g = context.gradient(0, shape: y.shape)
        return [LoupeTensor.softmaxBackward(g, output: y, outer: outer, axis: extent, inner: inner, log: Self.isLog)]
    }
}
