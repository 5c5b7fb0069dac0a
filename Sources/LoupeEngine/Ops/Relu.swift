import LoupeONNX
import LoupeTensor

/// Relu: `max(0, x)`; integers exactly. Backward follows the context's `ReluRule`.
public struct ReluOperator: UnaryElementwiseOperator, AttributeFreeOperator {
    public static let opType = "Relu"
    let node: Node
    var function: UnaryFunction { .relu }
    var integerFunction: ((Int) -> Int)? { { Swift.max(0, $0) } }

    /// Standard: pass where x > 0 (0 at x = 0); guided: x > 0 and grad > 0; deconvnet: grad > 0.
    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wants(0) else { return [nil] }
        let x = try context.floatInput(0)
        let g = context.gradient(0, shape: x.shape)
        switch context.reluRule {
        case .standard: return [reluBackward(g, input: x, gateOnInput: true, gateOnGradient: false)]
        case .guided: return [reluBackward(g, input: x, gateOnInput: true, gateOnGradient: true)]
        case .deconvnet: return [reluBackward(g, input: x, gateOnInput: false, gateOnGradient: true)]
        }
    }
}
