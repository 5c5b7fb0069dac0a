import LoupeONNX
import LoupeTensor

/// PRelu: `x > 0 ? x : slope x`, with `slope` unidirectionally broadcast to X's shape.
public struct PReluOperator: AttributeFreeOperator {
    public static let opType = "PRelu"
    let node: Node

    /// Checks that the slope broadcasts to X without growing it.
    func checkSlope(_ x: [Int], _ slope: [Int]) throws {
        let shape = try node.located { try broadcastShape(x, slope) }
        guard shape == x else {
            throw node.error("slope of shape \(slope) does not broadcast unidirectionally to input shape \(x)")
        }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "X")
        let slope = try node.facts(inputs, 1, "slope")
        try checkSlope(x.shape, slope.shape)
        return [ValueFacts(shape: x.shape, element: .float)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.float(inputs, 0, "X")
        let slope = try node.float(inputs, 1, "slope")
        try checkSlope(x.shape, slope.shape)
        return [.float(try node.located { try broadcastBinary(x, slope, .prelu) })]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// `dX = g (x > 0 ? 1 : slope)`, `dSlope = reduce(g (x > 0 ? 0 : x))` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let x = try context.floatInput(0), slope = try context.floatInput(1)
        let g = context.gradient(0, shape: x.shape)
        var grads: [Tensor?] = [nil, nil]
        if context.wants(0) {
            let expanded = try node.located { try broadcastExpand(slope, to: x.shape) }
            grads[0] = zipElements(g, x, expanded, PReluInputGradient())
        }
        if context.wants(1) {
            grads[1] = reduceGradient(zipElements(g, x, PReluSlopeGradient()), toShape: slope.shape)
        }
        return grads
    }
}

/// d/dX of PRelu: g where x > 0, `g slope` elsewhere.
struct PReluInputGradient: TernaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float, _ slope: Float) -> Float { x > 0 ? g : g * slope }
}

/// d/dslope of PRelu before reduction: 0 where x > 0, `g x` elsewhere.
struct PReluSlopeGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > 0 ? 0 : g * x }
}
