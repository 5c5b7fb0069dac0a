import LoupeONNX
import LoupeTensor

/// Clip: `min(max(x, lo), hi)`. Bounds are attributes before opset 11 and optional constant inputs from 11.
///
/// Backward passes the gradient only strictly inside the bounds (`lo < x < hi`), zero at the bounds.
public struct ClipOperator: Operator {
    public static let opType = "Clip"
    let node: Node
    /// The `min` and `max` attributes before opset 11; nil from 11 on, where the bounds are inputs 1 and 2.
    let attributeBounds: (min: Float, max: Float)?

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "input")
        if attributeBounds == nil {
            for (index, name) in [(1, "min"), (2, "max")] where index < inputs.count {
                guard let facts = inputs[index] else { continue }
                guard facts.constant != nil else {
                    throw node.error("input '\(name)' must be a constant (initializer or folded value)")
                }
                guard facts.shape.reduce(1, *) == 1 else {
                    throw node.error("input '\(name)' must be a scalar, got shape \(facts.shape)")
                }
            }
        }
        return [ValueFacts(shape: x.shape, element: x.element)]
    }

    /// The bounds in force: the inputs' values from opset 11, the attributes before.
    func bounds(_ inputs: [TensorValue?]) throws -> (TensorValue?, TensorValue?) {
        if let attributeBounds {
            return (.float(Tensor(scalar: attributeBounds.min)), .float(Tensor(scalar: attributeBounds.max)))
        }
        let lo = inputs.count > 1 ? inputs[1] : nil, hi = inputs.count > 2 ? inputs[2] : nil
        for bound in [lo, hi] {
            if let bound, bound.shape.reduce(1, *) != 1 {
                throw node.error("clip bounds must be scalars, got shape \(bound.shape)")
            }
        }
        return (lo, hi)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "input")
        let (lo, hi) = try bounds(inputs)
        if case .int(let ints) = x {
            let l = lo.map { $0.asInt.values[0] } ?? Int.min, h = hi.map { $0.asInt.values[0] } ?? Int.max
            return [.int(IntTensor(shape: ints.shape, values: ints.values.map { Swift.min(Swift.max($0, l), h) }))]
        }
        let l = lo.map { $0.asFloat.scalars[0] } ?? -.infinity, h = hi.map { $0.asFloat.scalars[0] } ?? .infinity
        return [.float(applyUnary(.clip(min: l, max: h), to: x.asFloat))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        var grads = context.noGradients
        guard context.wants(0) else { return grads }
        let x = try context.floatInput(0)
        let (lo, hi) = try bounds(context.inputs)
        let l = lo.map { $0.asFloat.scalars[0] } ?? -.infinity, h = hi.map { $0.asFloat.scalars[0] } ?? .infinity
        let g = context.gradient(0, shape: x.shape)
        grads[0] = zipElements(g, x, ClipGradient(lo: l, hi: h))
        return grads
    }
}

/// The Clip vector-Jacobian product: g strictly inside (lo, hi), exactly 0 at and beyond the bounds.
struct ClipGradient: BinaryKernel {
    let lo: Float, hi: Float
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float { x > lo && x < hi ? g : 0 }
}

extension ClipOperator {
    public init(node: Node, opset: Int) throws {
        let bounds = (min: try node.float("min", default: -.infinity), max: try node.float("max", default: .infinity))
        self.init(node: node, attributeBounds: opset >= 11 ? nil : bounds)
    }
}
