import LoupeONNX
import LoupeTensor

/// ONNX `AveragePool` over 2-D (or 1-D) windows, with `count_include_pad`, `ceil_mode` and `auto_pad`.
///
/// With `count_include_pad`, the divisor counts window taps inside the padded input (a
/// `ceil_mode` window hanging past the trailing pad counts only up to it), otherwise the taps
/// inside the input.
public struct AveragePoolOperator: Operator {
    public static let opType = "AveragePool"
    let node: Node
    let window: SlidingWindowAttributes
    let ceilMode: Bool
    let includePad: Bool

    public init(node: Node, opset: Int) throws {
        self.node = node
        window = try SlidingWindowAttributes(node: node)
        ceilMode = try node.int("ceil_mode", default: 0) != 0
        includePad = try node.int("count_include_pad", default: 0) != 0
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.floatFacts(inputs, 0, "X")
        return [ValueFacts(shape: try window.poolPlan(input: x.shape, ceilMode: ceilMode, node: node).1)]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.float(inputs, 0, "X")
        let (loops, shape) = try window.poolPlan(input: x.shape, ceilMode: ceilMode, node: node)
        var y = LinearSupport.uninitialized(try node.count(shape))
        LinearSupport.read(x.scalars) { xp in
            LinearSupport.write(&y) { yp in loops.averageForward(xp, includePad: includePad, output: yp) }
        }
        return [.float(Tensor(shape: shape, scalars: y))]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        guard context.wants(0) else { return [nil] }
        let x = try context.floatInput(0)
        let (loops, shape) = try window.poolPlan(input: x.shape, ceilMode: ceilMode, node: node)
        let dy = context.gradient(0, shape: shape)
        var dx = [Float](repeating: 0, count: x.count)
        LinearSupport.read(dy.scalars) { dyp in
            LinearSupport.write(&dx) { dxp in loops.averageBackward(gradOutput: dyp, includePad: includePad, gradInput: dxp) }
        }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}
