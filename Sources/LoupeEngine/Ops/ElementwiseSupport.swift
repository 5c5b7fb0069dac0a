import LoupeONNX
import LoupeTensor

/// A unary elementwise operator: the output has the input's shape.
///
/// A member names its float `function` (and `integerFunction` when it accepts integers); facts,
/// forward and `backwardNeeds` (the input) come from here. Its backward is one line, or nothing
/// at all when it conforms to `UnaryKernelOperator`.
protocol UnaryElementwiseOperator: Operator {
    /// The node, for error messages.
    var node: Node { get }
    /// The float function computed by `forward`.
    var function: UnaryFunction { get }
    /// The exact function of one integer, or nil when the op refuses integer tensors.
    ///
    /// Integer tensors here are small shape arithmetic, so a closure per element is fine.
    var integerFunction: ((Int) -> Int)? { get }
}

extension UnaryElementwiseOperator {
    var integerFunction: ((Int) -> Int)? { nil }

    /// Output facts: the input's shape; integer inputs only where there is an `integerFunction`.
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        if x.element == .integer {
            guard integerFunction != nil else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(x.shape)")
            }
            return [ValueFacts(shape: x.shape, element: .integer)]
        }
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    /// Applies `function` (or `integerFunction` to integer tensors).
    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "X")
        if case .int(let ints) = x {
            guard let integerFunction else {
                throw node.error("expects a floating-point input, got an integer tensor of shape \(ints.shape)")
            }
            return [.int(IntTensor(shape: ints.shape, values: ints.values.map(integerFunction)))]
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

/// A unary operator whose backward is one elementwise function, `gradient(g, x)` (or `(g, y)`).
///
/// A member writes `gradient` next to `function`; it sets `backwardNeeds` to `.outputs` when
/// the derivative reads the forward output instead of the input.
protocol UnaryKernelOperator: UnaryElementwiseOperator {
    /// The vector-Jacobian product of one element: `(incoming gradient, x or y) -> input gradient`.
    func gradient(_ g: Float, _ v: Float) -> Float
}

extension UnaryKernelOperator {
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        try unaryBackward(context, UnaryGradientKernel(op: self))
    }
}

/// Hands a `UnaryKernelOperator`'s `gradient` to the specialised elementwise loops (no closure per element).
struct UnaryGradientKernel<Op: UnaryKernelOperator>: BinaryKernel {
    let op: Op
    @inline(__always) func callAsFunction(_ g: Float, _ v: Float) -> Float { op.gradient(g, v) }
}

/// A binary operator with numpy multidirectional broadcasting.
///
/// A member names its `floatOp` (integer inputs use the `IntBinaryOp` of the same name, where
/// there is one) and the gradient of each input at the broadcast shape; facts, forward,
/// `backwardNeeds` (the inputs) and the sum over broadcast axes come from here.
protocol BroadcastingBinaryOperator: Operator {
    /// The node, for error messages.
    var node: Node { get }
    /// The float operation computed by `forward`.
    static var floatOp: FloatBinaryOp { get }
    /// `dA` (index 0) or `dB` (index 1) at the broadcast shape, before it is summed down to that input's shape.
    func broadcastGradient(_ index: Int, _ g: Tensor, _ context: BackwardContext) throws -> Tensor
    /// `broadcastGradient` summed down to the input's `shape` (a member may fuse the two).
    func reducedGradient(_ index: Int, _ g: Tensor, toShape shape: [Int], _ context: BackwardContext) throws -> Tensor
}

extension BroadcastingBinaryOperator {
    /// The integer counterpart of `floatOp`, or nil when integer inputs are refused.
    static var intOp: IntBinaryOp? {
        switch floatOp {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .pow, .prelu, .max, .min: return nil
        }
    }

    /// Output facts: the broadcast shape; integer when both inputs are and `intOp` exists.
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let (a, b, shape) = try node.broadcastFacts(inputs)
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

    /// Add and Sub need only the input shapes; Mul reads each operand for the other's gradient
    /// (so scaling by a constant keeps no activation); the others read both inputs.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] {
        switch Self.floatOp {
        case .add, .sub: return noInputsRead(wanted)
        case .mul: return bilinearInputsRead(wanted)
        default: return wanted.map { _ in true }
        }
    }

    func reducedGradient(_ index: Int, _ g: Tensor, toShape shape: [Int], _ context: BackwardContext) throws -> Tensor {
        reduceGradient(try broadcastGradient(index, g, context), toShape: shape)
    }

    /// Each wanted input's `broadcastGradient`, summed over the axes it was broadcast along.
    ///
    /// Only the input shapes are needed here (from the plan when the inputs were not kept).
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.hasInput(0), context.hasInput(1) else {
            throw LoupeError(.computation, location: "node '\(node.name)' (\(node.opType))",
                             "backward needs the shapes of both forward inputs, which are unknown")
        }
        let a = try context.inputShape(0), b = try context.inputShape(1)
        return try node.located {
            let g = context.gradient(0, shape: try broadcastShape(a, b))
            return try [a, b].enumerated().map { index, shape in
                context.wants(index) ? try reducedGradient(index, g, toShape: shape, context) : nil
            }
        }
    }
}

extension Node {
    /// Facts of inputs A and B, and the shape they broadcast to.
    func broadcastFacts(_ inputs: [ValueFacts?]) throws -> (a: ValueFacts, b: ValueFacts, shape: [Int]) {
        let a = try facts(inputs, 0, "A")
        let b = try facts(inputs, 1, "B")
        return (a, b, try located { try broadcastShape(a.shape, b.shape) })
    }
}

/// Softmax and LogSoftmax share everything but the `log` flag: facts, forward and backward live here.
protocol SoftmaxFamilyOperator: Operator {
    var node: Node { get }
    /// The normalised axis as the node's opset reads it.
    var axis: SoftmaxAxis { get }
    static var isLog: Bool { get }
    /// The memberwise initializer.
    init(node: Node, axis: SoftmaxAxis)
}

/// The `axis` of a Softmax-family node and how its opset reads it.
struct SoftmaxAxis: Sendable {
    /// The `axis` attribute as given (may be negative).
    let index: Int
    /// Opset < 13: flatten to 2-D at `axis` and normalise over the whole trailing block.
    let coerces2D: Bool

    /// Reads `axis` (default 1 before opset 13, -1 from 13 on).
    init(node: Node, opset: Int) throws {
        index = try node.int("axis", default: opset < 13 ? 1 : -1)
        coerces2D = opset < 13
    }
}

extension SoftmaxFamilyOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, axis: try SoftmaxAxis(node: node, opset: opset))
    }

    /// The input viewed as [outer, extent, inner] with the normalised extent in the middle.
    func geometry(_ shape: [Int]) throws -> (outer: Int, extent: Int, inner: Int) {
        if shape.isEmpty { return (1, 1, 1) }
        let resolved = try node.axis(axis.index, rank: shape.count)
        let outer = shape[..<resolved].reduce(1, *)
        if axis.coerces2D { return (outer, shape[resolved...].reduce(1, *), 1) }
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
