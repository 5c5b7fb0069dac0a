import LoupeONNX
import LoupeTensor

/// ONNX `MaxPool` over 2-D (or 1-D) windows; the gradient goes to the first maximum of each window.
///
/// `storage_order` is ignored (it only affects the Indices output, which is refused).
public struct MaxPoolOperator: Operator {
    public static let opType = "MaxPool"
    let node: Node
    let window: SlidingWindowAttributes
    let ceilMode: Bool

    public init(node: Node, opset: Int) throws {
        self.node = node
        window = try SlidingWindowAttributes(node: node)
        ceilMode = try node.int("ceil_mode", default: 0) != 0
        if node.outputs.count > 1 && !node.outputs[1].isEmpty {
            throw node.error("the optional Indices output is not supported")
        }
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
            LinearSupport.write(&y) { yp in loops.maxForward(xp, output: yp) }
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
        LinearSupport.read(x.scalars) { xp in
            LinearSupport.read(dy.scalars) { dyp in
                LinearSupport.write(&dx) { dxp in loops.maxBackward(xp, gradOutput: dyp, gradInput: dxp) }
            }
        }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}
