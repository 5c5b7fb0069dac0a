import Foundation
import LoupeONNX
import LoupeTensor

/// ONNX Mod: elementwise remainder with numpy broadcasting.
///
/// `fmod=0` (integers only) gives the remainder with the divisor's sign, as Python's `%`;
/// `fmod=1` gives C's `fmod` (the dividend's sign), for integers and floats. An integer divisor
/// of zero is an error. For floats the gradient is `dA = g`, `dB = -g * trunc(A / B)`.
public struct ModOperator: Operator {
    public static let opType = "Mod"
    let node: Node
    let usesFmod: Bool

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let (a, b, shape) = try node.broadcastFacts(inputs)
        if a.element == .integer && b.element == .integer { return [ValueFacts(shape: shape, element: .integer)] }
        guard usesFmod else { throw node.error("floating-point inputs need fmod=1") }
        return [ValueFacts(shape: shape, element: .float)]
    }

    /// The integer remainder under this node's sign convention.
    func remainder(_ a: Int, _ b: Int) throws -> Int {
        guard b != 0 else { throw LoupeError(.computation, location: "node '\(node.name)' (Mod)", "integer modulo by zero") }
        if b == -1 { return 0 }
        let r = a % b
        if usesFmod || r == 0 || (r < 0) == (b < 0) { return r }
        return r + b
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let a = try node.value(inputs, 0, "A")
        let b = try node.value(inputs, 1, "B")
        return try node.located {
            if case .int(let ia) = a, case .int(let ib) = b {
                let (shape, values) = try broadcastZip(ia.values, ia.shape, ib.values, ib.shape) { try remainder($0, $1) }
                return [.int(IntTensor(shape: shape, values: values))]
            }
            guard usesFmod else { throw node.error("floating-point inputs need fmod=1") }
            return [.float(try broadcastMap(a.asFloat, b.asFloat) { Foundation.fmod($0, $1) })]
        }
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// `dA = reduce(g)`, `dB = reduce(-g * trunc(A / B))` over the broadcast axes (float inputs only).
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.inputs.count >= 2, let a = context.inputs[0], let b = context.inputs[1] else {
            throw LoupeError(.computation, location: "node '\(node.name)' (Mod)", "backward needs both forward inputs, which were not kept")
        }
        guard !a.isInt || !b.isInt else { return [nil, nil] }
        let fa = a.asFloat, fb = b.asFloat
        let shape = try node.located { try broadcastShape(fa.shape, fb.shape) }
        let g = try ShapeOps.gradient(context, 0, shape)
        let gradA = context.wants(0) && !a.isInt ? reduceGradient(g, toShape: fa.shape) : nil
        var gradB: Tensor?
        if context.wants(1) && !b.isInt {
            let quotient = try broadcastMap(fa, fb) { ($0 / $1).rounded(.towardZero) }
            let product = try broadcastBinary(g, quotient, .mul)
            gradB = reduceGradient(applyUnary(.neg, to: product), toShape: fb.shape)
        }
        return [gradA, gradB]
    }
}

extension ModOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, usesFmod: try node.int("fmod", default: 0) != 0)
    }
}
