import LoupeONNX
import LoupeTensor

/// ONNX Where: `condition ? X : Y` elementwise, with numpy broadcasting over all three inputs.
///
/// Both branches integer gives an integer result; otherwise both are taken as Float32. The
/// gradient flows to the branch each element was chosen from (summed over broadcast axes);
/// the condition gets none.
public struct WhereOperator: AttributeFreeOperator {
    public static let opType = "Where"
    let node: Node

    /// The broadcast shape of condition, X and Y.
    func outputShape(_ c: [Int], _ x: [Int], _ y: [Int]) throws -> [Int] {
        try node.located { try broadcastShape(broadcastShape(c, x), y) }
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let c = try node.facts(inputs, 0, "condition")
        let x = try node.facts(inputs, 1, "X")
        let y = try node.facts(inputs, 2, "Y")
        let bothInt = x.element == .integer && y.element == .integer
        return [ValueFacts(shape: try outputShape(c.shape, x.shape, y.shape), element: bothInt ? .integer : .float)]
    }

    /// The condition as 0/1 flags broadcast to `shape`.
    static func flags(_ condition: TensorValue, to shape: [Int]) -> [Bool] {
        let offsets = broadcastSourceOffsets(condition.shape, to: shape)
        switch condition {
        case .int(let t): return offsets.map { t.values[$0] != 0 }
        case .float(let t): return offsets.map { t.scalars[$0] != 0 }
        }
    }

    static func select<T>(_ chosen: [Bool], _ x: [T], _ xShape: [Int], _ y: [T], _ yShape: [Int], to shape: [Int]) -> [T] {
        let xo = broadcastSourceOffsets(xShape, to: shape), yo = broadcastSourceOffsets(yShape, to: shape)
        return chosen.indices.map { chosen[$0] ? x[xo[$0]] : y[yo[$0]] }
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let c = try node.value(inputs, 0, "condition")
        let x = try node.value(inputs, 1, "X")
        let y = try node.value(inputs, 2, "Y")
        let shape = try outputShape(c.shape, x.shape, y.shape)
        let chosen = Self.flags(c, to: shape)
        if case .int(let ix) = x, case .int(let iy) = y {
            return [.int(IntTensor(shape: shape, values: Self.select(chosen, ix.values, ix.shape, iy.values, iy.shape, to: shape)))]
        }
        let fx = x.asFloat, fy = y.asFloat
        return [.float(Tensor(shape: shape, scalars: Self.select(chosen, fx.scalars, fx.shape, fy.scalars, fy.shape, to: shape)))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// `dX = reduce(g where condition)`, `dY = reduce(g where not condition)` over the broadcast axes.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.inputs.count >= 3, let c = context.inputs[0], let x = context.inputs[1], let y = context.inputs[2] else {
            throw LoupeError(.computation, location: "node '\(node.name)' (Where)", "backward needs the forward inputs, which were not kept")
        }
        let shape = try outputShape(c.shape, x.shape, y.shape)
        let g = try ShapeOps.gradient(context, 0, shape)
        let chosen = Self.flags(c, to: shape)
        func branch(_ index: Int, _ value: TensorValue, takenWhen flag: Bool) -> Tensor? {
            guard context.wants(index), !value.isInt else { return nil }
            var masked = g
            for i in chosen.indices where chosen[i] != flag { masked.scalars[i] = 0 }
            return reduceGradient(masked, toShape: value.shape)
        }
        return [nil, branch(1, x, takenWhen: true), branch(2, y, takenWhen: false)]
    }
}
