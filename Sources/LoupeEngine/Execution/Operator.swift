import LoupeONNX
import LoupeTensor

/// What the planner knows about a value before running: its shape, element kind, and value when constant.
public struct ValueFacts: Sendable, Equatable {
    public var shape: [Int]
    public var element: ElementKind
    /// The value itself when it does not depend on the graph inputs (folded at plan time).
    public var constant: TensorValue?

    public init(shape: [Int], element: ElementKind = .float, constant: TensorValue? = nil) {
        self.shape = shape
        self.element = element
        self.constant = constant
    }

    /// Facts for a known constant value.
    public init(constant value: TensorValue) {
        self.init(shape: value.shape, element: value.isInt ? .integer : .float, constant: value)
    }
}

/// How ReLU routes gradients backwards: the rule distinguishes saliency, Guided Backprop and Deconvnet.
public enum ReluRule: Sendable, Equatable {
    /// The true derivative: pass where the forward input was positive.
    case standard
    /// Springenberg et al.: pass where the forward input was positive AND the incoming gradient is positive.
    case guided
    /// Zeiler & Fergus: pass where the incoming gradient is positive, ignoring the forward input.
    case deconvnet
}

/// Which forward values an operator's backward reads (the rest can be freed early).
public struct BackwardNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let inputs = BackwardNeeds(rawValue: 1)
    public static let outputs = BackwardNeeds(rawValue: 2)
    public static let none: BackwardNeeds = []
    public static let all: BackwardNeeds = [.inputs, .outputs]
}

/// Everything an operator's backward pass receives.
public struct BackwardContext {
    /// Forward inputs (nil where omitted, or not kept because `backwardNeeds` excludes inputs).
    public let inputs: [TensorValue?]
    /// Forward outputs (nil where not kept).
    public let outputs: [TensorValue?]
    /// Gradient of the objective with respect to each output; nil means zero.
    public let outputGradients: [Tensor?]
    /// Whether the caller wants a gradient for each input (false for constants nobody asked about).
    public let wantsInputGradient: [Bool]
    /// The ReLU rule in force for this pass.
    public let reluRule: ReluRule
    /// The planned shape of each input (nil where omitted): what a backward reads instead of an input
    /// it does not keep (`Operator.inputsRead`). Empty when the caller gives none: shapes come from `inputs`.
    public let inputShapes: [[Int]?]

    public init(inputs: [TensorValue?], outputs: [TensorValue?], outputGradients: [Tensor?],
                wantsInputGradient: [Bool], reluRule: ReluRule = .standard, inputShapes: [[Int]?] = []) {
        self.inputs = inputs
        self.outputs = outputs
        self.outputGradients = outputGradients
        self.wantsInputGradient = wantsInputGradient
        self.reluRule = reluRule
        self.inputShapes = inputShapes
    }

    /// The shape of forward input `index`: planned, else the kept value's, else an error.
    public func inputShape(_ index: Int) throws -> [Int] {
        if index < inputShapes.count, let shape = inputShapes[index] { return shape }
        guard index < inputs.count, let value = inputs[index] else {
            throw LoupeError(.computation, "backward needs the shape of forward input \(index), which is unknown")
        }
        return value.shape
    }

    /// Whether forward input `index` was given to the node (its shape is known).
    public func hasInput(_ index: Int) -> Bool {
        index < inputShapes.count ? inputShapes[index] != nil : index < inputs.count && inputs[index] != nil
    }

    /// The float forward input at `index`, or an error naming what is missing.
    public func floatInput(_ index: Int) throws -> Tensor {
        guard index < inputs.count, let value = inputs[index] else {
            throw LoupeError(.computation, "backward needs forward input \(index), which was not kept")
        }
        return value.asFloat
    }

    /// The float forward output at `index`, or an error naming what is missing.
    public func floatOutput(_ index: Int) throws -> Tensor {
        guard index < outputs.count, let value = outputs[index] else {
            throw LoupeError(.computation, "backward needs forward output \(index), which was not kept")
        }
        return value.asFloat
    }

    /// The gradient of output `index`, or zeros shaped like that output when no gradient arrived.
    public func gradient(_ index: Int = 0, shape: [Int]) -> Tensor {
        if index < outputGradients.count, let g = outputGradients[index] { return g }
        return Tensor(shape: shape)
    }
}

/// One ONNX operator: attribute parsing, shape inference, forward and backward in one place.
///
/// To add an op, see the head comment of `OperatorTable.swift`: one file under `Ops/` with
/// `forward` and, right under it, `backward` (the vector-Jacobian product for each input), one
/// line in `OperatorTable.all`, and a finite-difference gradient test.
public protocol Operator: Sendable {
    /// The ONNX operator type this implements, e.g. `"Conv"`.
    static var opType: String { get }
    /// Parses and validates the node's attributes.
    init(node: Node, opset: Int) throws
    /// Output facts from input facts (nil for omitted optional inputs). May return constants.
    func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts]
    /// Computes the outputs from the inputs (nil for omitted optional inputs).
    func forward(_ inputs: [TensorValue?]) throws -> [TensorValue]
    /// `forward(inputs)` followed by `epilogue` (a fused elementwise tail, `Fusion`) on the first output;
    /// nil is plain `forward`. The default is one pass afterwards (`Fusion.swift`).
    func forward(_ inputs: [TensorValue?], epilogue: UnaryFunction?) throws -> [TensorValue]
    /// Which forward values `backward` reads.
    var backwardNeeds: BackwardNeeds { get }
    /// Which forward inputs `backward` reads when only the input gradients flagged in `wanted` are
    /// asked for; the others are freed as soon as the forward pass is done with them, and their
    /// shapes come from `BackwardContext.inputShape`. Default: every input when `backwardNeeds`
    /// contains `.inputs`.
    func inputsRead(wanting wanted: [Bool]) -> [Bool]
    /// Gradients with respect to each input (nil for non-differentiable or unwanted inputs).
    func backward(_ context: BackwardContext) throws -> [Tensor?]
}

extension Operator {
    public var backwardNeeds: BackwardNeeds { .all }

    public func inputsRead(wanting wanted: [Bool]) -> [Bool] {
        let reads = backwardNeeds.contains(.inputs)
        return wanted.map { _ in reads }
    }
}

/// `inputsRead` of an operator whose backward needs only the input shapes.
func noInputsRead(_ wanted: [Bool]) -> [Bool] { wanted.map { _ in false } }

/// `inputsRead` of a bilinear operator (MatMul, Gemm, Conv, Mul): each of the two operands is read
/// only for the other's gradient; later inputs (a bias) only by shape.
func bilinearInputsRead(_ wanted: [Bool]) -> [Bool] {
    wanted.indices.map { i in i == 0 ? wanted.count > 1 && wanted[1] : i == 1 ? wanted[0] : false }
}

extension BackwardContext {
    /// Operands A and B of a bilinear operator with their planned shapes: each is read only for the
    /// other's gradient (`bilinearInputsRead`), so an unread one is an empty tensor.
    func bilinearOperands() throws -> (a: Tensor, b: Tensor, aShape: [Int], bShape: [Int]) {
        let aShape = try inputShape(0), bShape = try inputShape(1)
        let a = wants(1) ? try floatInput(0) : Tensor(shape: [0]), b = wants(0) ? try floatInput(1) : Tensor(shape: [0])
        return (a, b, aShape, bShape)
    }
}

/// An operator without attributes: it keeps its node and nothing else.
///
/// A member declares `let node: Node` as its only stored property; Swift's memberwise
/// `init(node:)` then meets the requirement, and `init(node:opset:)` comes from here.
protocol AttributeFreeOperator: Operator {
    init(node: Node)
}

extension AttributeFreeOperator {
    public init(node: Node, opset: Int) throws { self.init(node: node) }
}
