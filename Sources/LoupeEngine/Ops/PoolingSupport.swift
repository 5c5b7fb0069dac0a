import LoupeONNX
import LoupeTensor

/// What `MaxPool` and `AveragePool` share: the window plan, facts, and the buffers around a kernel call.
///
/// A member names its window attributes and passes its forward and backward loops to `pool` and `poolGradient`.
protocol WindowPoolingOperator: Operator {
    var node: Node { get }
    var window: PoolingWindow { get }
}

/// The window attributes of a pooling node: kernel, strides, pads and dilations, and `ceil_mode`.
struct PoolingWindow: Sendable {
    let sliding: SlidingWindowAttributes
    let ceilMode: Bool

    init(node: Node) throws {
        sliding = try SlidingWindowAttributes(node: node)
        ceilMode = try node.int("ceil_mode", default: 0) != 0
    }

    /// The pooling loops (window bounds precomputed) and output shape for an `[N, C, ...]` input.
    func plan(input: [Int], node: Node) throws -> (PoolingKernel, [Int]) {
        try sliding.poolPlan(input: input, ceilMode: ceilMode, node: node)
    }
}

extension WindowPoolingOperator {
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.floatFacts(inputs, 0, "X")
        return [ValueFacts(shape: try window.plan(input: x.shape, node: node).1)]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// Runs `kernel(loops, x, y)` over input X into a fresh output.
    func pool(_ inputs: [TensorValue?],
              _ kernel: (PoolingKernel, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) throws -> [TensorValue] {
        let x = try node.float(inputs, 0, "X")
        let (loops, shape) = try window.plan(input: x.shape, node: node)
        var y = LinearSupport.uninitialized(try node.count(shape))
        LinearSupport.read(x.scalars) { xp in
            LinearSupport.write(&y) { yp in kernel(loops, xp, yp) }
        }
        return [.float(Tensor(shape: shape, scalars: y))]
    }

    /// Runs `kernel(loops, x, dy, dx)` into a zeroed input gradient.
    func poolGradient(_ context: BackwardContext,
                      _ kernel: (PoolingKernel, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
        throws -> [Tensor?] {
        guard context.wants(0) else { return [nil] }
        let x = try context.floatInput(0)
        let (loops, shape) = try window.plan(input: x.shape, node: node)
        let dy = context.gradient(0, shape: shape)
        var dx = [Float](repeating: 0, count: x.count)
        LinearSupport.borrow(x.scalars, dy.scalars, nil, writing: &dx) { xp, dyp, _, dxp in kernel(loops, xp, dyp, dxp) }
        return [Tensor(shape: x.shape, scalars: dx)]
    }
}
