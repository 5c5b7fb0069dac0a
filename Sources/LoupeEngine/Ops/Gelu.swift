import Foundation
import LoupeONNX
import LoupeTensor

/// Gelu (opset 20): exact `0.5 x (1 + erf(x / sqrt 2))`, or the tanh approximation when `approximate = "tanh"`.
public struct GeluOperator: UnaryElementwiseOperator {
    public static let opType = "Gelu"
    let node: Node
    let usesTanh: Bool
    var function: UnaryFunction { usesTanh ? .geluTanh : .gelu }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        usesTanh ? try unaryBackward(context, GeluTanhGradient()) : try unaryBackward(context, GeluGradient())
    }
}

/// The exact Gelu vector-Jacobian product: `g (Phi(x) + x phi(x))`.
struct GeluGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
        let cdf = 0.5 * (1 + fastErf(x * 0.707_106_78))
        let pdf = 0.398_942_28 * fastExp(-0.5 * x * x)
        return g * (cdf + x * pdf)
    }
}

/// The tanh-Gelu vector-Jacobian product: `g (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2))`.
struct GeluTanhGradient: BinaryKernel {
    @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
        let k = geluTanhScale, c: Float = 0.044_715
        let t = Foundation.tanh(k * (x + c * x * x * x))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x))
    }
}

extension GeluOperator {
    public init(node: Node, opset: Int) throws {
        let approximate = try node.string("approximate", default: "none")
        switch approximate {
        case "none": self.init(node: node, usesTanh: false)
        case "tanh": self.init(node: node, usesTanh: true)
        default: throw node.error("attribute 'approximate' must be \"none\" or \"tanh\", got \"\(approximate)\"")
        }
    }
}
