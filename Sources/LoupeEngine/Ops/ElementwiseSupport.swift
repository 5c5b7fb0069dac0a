import LoupeONNX
import LoupeTensor

/// A unary elementwise operator: the output has the input's shape.
///
/// A member names its float `function` (and `integerForward` when it accepts integers); facts,
/// forward and `backwardNeeds` (the input) come from here. Its backward is one line, or nothing
/// at all when it conforms to `UnaryKernelOperator`.
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
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        if x.element == .integer {
            guard Self.acceptsIntegers else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(x.shape)")
            }
            return [ValueFacts(shape: x.shape, element: .integer)]
        }
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    /// Applies `function` (or `integerForward` to integer tensors).
    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "X")
        if case .int(let ints) = x {
            guard let result = integerForward(ints) else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(ints.shape)")
            }
            return [.int(result)]
        }
        return [.float(applyUnary(function, to: x.asFloat))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The common backward shape: `kernel(grad, x)`, or `kernel(grad, y)` when `backwardNeeds` is the output.
    @inline(__always)
    func unaryBackward<K: BinaryKernel>(_ context: BackwardContext, _ kernel: K) throws -> [Tensor?] where K.Element == Float {
        guard context.wants(0) else { return [nil] }
        let v = backwardNeeds == .outputs ? try context.floatOutput(0) : try context.floatInput(0)
        let g = context.gradient(0, shape: v.shape)
        return [zipElements(g, v, kernel)]
    }
}

/// A unary operator whose backward is one elementwise kernel, `gradient(g, x)` (or `(g, y)`).
///
/// A member declares `var gradient` next to `function`; it sets `backwardNeeds` to `.outputs`
/// when the kernel reads the forward output instead of the input.
protocol UnaryKernelOperator: UnaryElementwiseOperator {
    associatedtype Gradient: BinaryKernel where Gradient.Element == Float
    /// The vector-Jacobian product of one element: `(incoming gradient, x or y) -> input gradient`.
    var gradient: Gradient { get }
}

extension UnaryKernelOperator {
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, gradient)
    }
}

/// A binary operator with numpy multidirectional broadcasting.
///
/// A member names `floatOp` and `intOp`; facts, forward and `backwardNeeds` (the inputs) come from here.
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
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let a = try node.facts(inputs, 0, "A")
        let b = try node.facts(inputs, 1, "B")
        let shape = try node.located { try broadcastShape(a.shape, b.shape) }
        if a.element == .integer && b.element == .integer {
            guard Self.intOp != nil else { throw node.error("integer inputs are not supported") }
            return [ValueFacts(shape: shape, element: .integer)]
        }
        return [ValueFacts(shape: shape, element: .float)]
    }

    /// Runs `intOp` on two integer tensors, `floatOp` otherwise.
    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try node.value(inputs, 0, "A")
        let b = try node.value(inputs, 1, "B")
        return try node.located {
            if case .int(let ia) = a, case .int(let ib) = b {
                guard let op = Self.intOp else { throw node.error("integer inputs are not supported") }
                return [.int(try broadcastBinary(ia, ib, op))]
            }
            return [.float(try broadcastBinary(a.asFloat, b.asFloat, Self.floatOp))]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// The output gradient (zeros when none arrived) and both input shapes, for gradients that reduce it.
    func outputGradient(_ context: BackwardContext) throws -> (g: Tensor, a: [Int], b: [Int]) {
        guard context.hasInput(0), context.hasInput(1) else {
            throw LoupeError(.computation, location: "node '\(node.name)' (\(node.opType))",
                             "backward needs the shapes of both forward inputs, which are unknown")
        }
        let a = try context.inputShape(0), b = try context.inputShape(1)
        let shape = try node.located { try broadcastShape(a, b) }
        return (context.gradient(0, shape: shape), a, b)
    }
}

/// Softmax and LogSoftmax share everything but the `log` flag: facts, forward and backward live here.
protocol SoftmaxFamilyOperator: Operator {
    var node: Node { get }
    /// The `axis` attribute as given (may be negative).
    var axis: Int { get }
    /// Opset < 13: flatten to 2-D at `axis` and normalise over the whole trailing block.
    var coerces2D: Bool { get }
    static var isLog: Bool { get }
    /// The memberwise initializer.
    init(node: Node, axis: Int, coerces2D: Bool)
}

extension SoftmaxFamilyOperator {
    /// Reads `axis` (default 1 before opset 13, -1 from 13 on).
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try node.int("axis", default: opset < 13 ? 1 : -1), coerces2D: opset < 13)
    }

    /// The input viewed as [outer, extent, inner] with the normalised extent in the middle.
    func geometry(_ shape: [Int]) throws -> (outer: Int, extent: Int, inner: Int) {
        if shape.isEmpty { return (1, 1, 1) }
        let resolved = try node.axis(axis, rank: shape.count)
        let outer = shape[..<resolved].reduce(1, *)
        if coerces2D { return (outer, shape[resolved...].reduce(1, *), 1) }
        return (outer, shape[resolved], shape[(resolved + 1)...].reduce(1, *))
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        guard x.element == .float else { throw node.error("expects a floating-point input") }
        _ = try geometry(x.shape)
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.float(inputs, 0, "input")
        let (outer, extent, inner) = try geometry(x.shape)
        return [.float(LoupeTensor.softmaxForward(x, outer: outer, axis: extent, inner: inner, log: Self.isLog))]
    }

    public var backwardNeeds: BackwardNeeds { .outputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wants(0) else { return [nil] }
        let y = try context.floatOutput(0)
        let (outer, extent, inner) = try geometry(y.shape)
        let g = context.gradient(0, shape: y.shape)
        return [LoupeTensor.softmaxBackward(g, output: y, outer: outer, axis: extent, inner: inner, log: Self.isLog)]
    }
}
